-- nsrun.placement: which machine makes which node of a lab across
-- machines (nsrun.machines), and the names derived for the links cut
-- between them: VNIs and MACs the same on every machine and every run.
local util = require "nsrun.util"

local fail = util.fail

local M = {}

------------------------------------------------------------------ names

-- hosts("a,b,c") -> { "a", "b", "c" }, or nil, why
function M.hosts(spec)
  local list, seen = {}, {}
  for h in (spec .. ","):gmatch("([^,]*),") do
    h = h:match("^%s*(.-)%s*$")
    if h == "" or h:find("[%s'\"\\]") or h:sub(1, 1) == "-" then
      return nil, ("--hosts %s: %q is not an ssh destination"):format(spec, h)
    end
    if seen[h] then return nil, ("--hosts %s: %s is named twice"):format(spec, h) end
    seen[h] = true
    list[#list + 1] = h
  end
  return list
end

-- 32-bit FNV-1a of s: VNIs and MACs derived from names
local function fnv(s)
  local h = 0x811c9dc5
  for i = 1, #s do h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff end
  return h
end
M.fnv = fnv

-- A locally administered unicast MAC for the end ifname of node nsname in
-- lab: the same on every machine and run, different for every end.
function M.mac(lab, nsname, ifname)
  local h1, h2 = fnv(lab .. "\0" .. nsname .. "\0" .. ifname), fnv(ifname .. "\0" .. nsname .. "\0" .. lab)
  return ("%02x:%02x:%02x:%02x:%02x:%02x"):format(((h1 >> 24) & 0xfc) | 0x02, (h1 >> 16) & 0xff,
    (h1 >> 8) & 0xff, h1 & 0xff, (h2 >> 8) & 0xff, h2 & 0xff)
end

------------------------------------------------------------------ placement

-- partition(lab, names) -> { [nsname] = machine }, the count per machine,
-- and how many links it cuts.
-- Units first: a pod (nodes a generator gave the same pod), a node with the
-- nodes that hang off it alone (a leaf and its hosts), a pinned node ({ on
-- = "b" }) where its pin says.  Then each unit, the largest first and then
-- in breadth-first order over the links, goes to the machine that holds the
-- most of its neighbours, weighed by how full that machine is (linear
-- deterministic greedy): balanced, few links cut, the same on every run.
function M.partition(lab, names)
  local nodes = lab.order
  local idx, adj = {}, {}
  for i, n in ipairs(nodes) do idx[n] = i; adj[i] = {} end
  local function ends(l)
    local a = l.a.node
    local b = l.bridge and l.bridge.node or l.b.node
    if l.bridge_a then a = l.bridge_a.node end
    return idx[a], idx[b]
  end
  for _, l in ipairs(lab.links) do
    local a, b = ends(l)
    if a and b and a ~= b then adj[a][#adj[a] + 1] = b; adj[b][#adj[b] + 1] = a end
  end
  -- units (union-find); pin[root]: the machine a unit's pinned node names
  local up, pin = {}, {}
  for i, n in ipairs(nodes) do pin[i] = n.on end
  local function find(i) while up[i] do i = up[i] end return i end
  local function join(i, j)
    i, j = find(i), find(j)
    if i == j then return end
    if pin[i] and pin[j] and pin[i] ~= pin[j] then return end
    if j < i then i, j = j, i end
    up[j] = i
    pin[i] = pin[i] or pin[j]
  end
  local pods = {}
  for i, n in ipairs(nodes) do
    if n.pod then
      local k = tostring(n.pod)
      if pods[k] then join(pods[k], i) else pods[k] = i end
    end
  end
  for i in ipairs(nodes) do
    if #adj[i] == 1 and not nodes[i].pod then join(adj[i][1], i) end
  end
  local units, of = {}, {}
  for i in ipairs(nodes) do
    local r = find(i)
    if not of[r] then
      of[r] = #units + 1
      units[#units + 1] = { members = {}, on = nil, first = i }
    end
    local u = units[of[r]]
    u.members[#u.members + 1] = i
    u.on = pin[r]
  end
  local uadj = {}
  for ui, u in ipairs(units) do
    uadj[ui] = {}
    for _, i in ipairs(u.members) do
      for _, j in ipairs(adj[i]) do
        local uj = of[find(j)]
        if uj ~= ui then uadj[ui][uj] = (uadj[ui][uj] or 0) + 1 end
      end
    end
  end
  -- order: pinned units, then breadth first from the largest unit
  local order, seen = {}, {}
  for ui, u in ipairs(units) do if u.on then order[#order + 1] = ui; seen[ui] = true end end
  local by_size = {}
  for ui in ipairs(units) do by_size[#by_size + 1] = ui end
  table.sort(by_size, function(a, b)
    if #units[a].members ~= #units[b].members then return #units[a].members > #units[b].members end
    return a < b
  end)
  for _, start in ipairs(by_size) do
    if not seen[start] then
      local queue, head = { start }, 1
      seen[start] = true
      while queue[head] do
        local ui = queue[head]; head = head + 1
        order[#order + 1] = ui
        local next_ = {}
        for uj in pairs(uadj[ui]) do if not seen[uj] then next_[#next_ + 1] = uj end end
        table.sort(next_)
        for _, uj in ipairs(next_) do seen[uj] = true; queue[#queue + 1] = uj end
      end
    end
  end
  local slot = {}
  for i, name in ipairs(names) do slot[name] = i end
  local cap = math.max(1, -(-#nodes // #names))   -- ceil
  local load, where, placed = {}, {}, {}
  for i in ipairs(names) do load[i] = 0 end
  for _, ui in ipairs(order) do
    local u = units[ui]
    local best
    if u.on then
      best = slot[u.on]
      if not best then
        fail(("node %s: on = %q is not one of the machines (%s)"):format(nodes[u.members[1]].name,
          u.on, table.concat(names, ", ")))
      end
    else
      local links = {}
      for uj, w in pairs(uadj[ui]) do
        local m = placed[uj]
        if m then links[m] = (links[m] or 0) + w end
      end
      -- where it fits: most links, weighed by room left; where none
      -- has room (units bigger than the share): the least loaded
      local bs, any = nil, false
      for m in ipairs(names) do any = any or load[m] + #u.members <= cap end
      for m in ipairs(names) do
        local s
        if any then
          s = (load[m] + #u.members <= cap and 1e9 or 0) + (links[m] or 0) * (1 - load[m] / cap) * 1e3 - load[m]
        else
          s = -load[m] * 1e3 + (links[m] or 0)
        end
        if not bs or s > bs then best, bs = m, s end
      end
    end
    placed[ui] = best
    load[best] = load[best] + #u.members
    for _, i in ipairs(u.members) do where[nodes[i].nsname] = names[best] end
  end
  local count, cut = {}, 0
  for i, name in ipairs(names) do count[name] = load[i] end
  for _, l in ipairs(lab.links) do
    local a, b = ends(l)
    if a and b and where[nodes[a].nsname] ~= where[nodes[b].nsname] then cut = cut + 1 end
  end
  return where, count, cut
end

return M
