-- nsrun.snapshot: a lab's state as the kernel has it, as data (JSON), and
-- what changed between two states, in words.
--   local before = lab:snapshot()            -- every node: links, addresses,
--   link:down()                              -- routes, neighbours
--   for _, line in ipairs(lab:diff(before, lab:snapshot())) do print(line) end
--   --> leaf3: eth1 down
--   --> leaf3: 10.2.0.0/16 lost next hop via 10.0.0.4 dev eth1
-- `nsrun snapshot LAB` and `nsrun diff A B` are the same on the command
-- line; `nsrun test --golden DIR` compares against stored snapshots.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local expect = require "nsrun.expect"
local Expect = expect.Expect

local M = { VERSION = 1 }

local function sorted_keys(t)
  local k = {}
  for x in pairs(t) do k[#k + 1] = x end
  table.sort(k)
  return k
end

local function nexthop_text(h)
  local t = {}
  if h.via then t[#t + 1] = "via " .. h.via end
  if h.dev then t[#t + 1] = "dev " .. h.dev end
  if h.weight and h.weight > 1 then t[#t + 1] = "weight " .. h.weight end
  return table.concat(t, " ")
end

-- node(ns, opts) -> one node's state: { links = { [ifname] = { up =,
-- carrier =, mtu =, kind =, master =, mac = } }, addrs = { "cidr dev", ... },
-- routes = { [dst (metric n)] = { type =, proto =, nexthops = { "via X dev
-- Y", ... }, down = { "via X dev Y" (dead or linkdown), ... } } },
-- neighbours = { ["addr dev"] = mac } }
local function node_state(ns, opts)
  local st = { links = {}, addrs = {}, routes = {} }
  for _, l in ipairs(util.check(ns:links())) do
    if l.name ~= "lo" then
      st.links[l.name] = { up = l.up, carrier = l.lower_up, mtu = l.mtu,
        kind = l.kind ~= "" and l.kind or nil, master = l.master,
        mac = opts.macs ~= false and l.mac or nil }
    end
  end
  for _, a in ipairs(util.check(ns:addrs())) do
    if not a.link_local and a.ifname ~= "lo" then st.addrs[#st.addrs + 1] = a.cidr .. " dev " .. a.ifname end
  end
  table.sort(st.addrs)
  for _, r in ipairs(util.check(ns:routes())) do
    if r.type ~= "local" and r.type ~= "broadcast" and not r.dst:match("^ff00::") and
       not r.dst:match("^fe80::") then
      local key = r.dst .. (r.metric ~= 0 and not (r.family == 6 and r.metric == 1024)
        and (" metric " .. r.metric) or "")
      local nh, down = {}, {}
      for _, h in ipairs(r.nexthops) do
        local text = nexthop_text(h)
        nh[#nh + 1] = text
        if h.dead or h.linkdown then down[#down + 1] = text end
      end
      table.sort(nh)
      table.sort(down)
      st.routes[key] = { type = r.type ~= "unicast" and r.type or nil, proto = r.proto, nexthops = nh,
        down = #down > 0 and down or nil }
    end
  end
  if opts.neighbours ~= false then
    st.neighbours = {}
    for _, n in ipairs(util.check(ns:neighs())) do
      -- resolved unicast neighbours; not multicast's fixed mappings (noarp)
      if n.mac ~= "" and not n.state:find("noarp") and not n.state:find("failed")
         and not n.state:find("incomplete") and not n.addr:match("^ff") then
        st.neighbours[n.addr .. " dev " .. n.ifname] = n.mac
      end
    end
  end
  return st
end

-- take(nodes, opts) -> a snapshot of nodes ({ name =, ns = } each):
-- { version =, lab =, nodes = { [name] = state } }.  opts: neighbours =
-- false leaves the ARP/NDP tables out, macs = false the MAC addresses (for
-- files compared across runs: veth MACs are random).
function M.take(labname, nodes, opts)
  opts = opts or {}
  local snap = { version = M.VERSION, lab = labname, nodes = {} }
  for _, n in ipairs(nodes) do snap.nodes[n.name] = node_state(n.ns, opts) end
  return snap
end

---------------------------------------------------------------- diff

local function set_of(list)
  local s = {}
  for _, x in ipairs(list or {}) do s[x] = true end
  return s
end

local function set_diff(a, b, lost, new)
  local sa, sb = set_of(a), set_of(b)
  for _, x in ipairs(a or {}) do if not sb[x] then lost(x) end end
  for _, x in ipairs(b or {}) do if not sa[x] then new(x) end end
end

local function diff_links(name, a, b, out)
  local function say(fmt, ...) out[#out + 1] = name .. ": " .. fmt:format(...) end
  for _, ifn in ipairs(sorted_keys(a)) do
    local x, y = a[ifn], b[ifn]
    if not y then say("%s gone", ifn)
    else
      if x.up ~= y.up then say("%s %s", ifn, y.up and "up" or "down")
      elseif y.up and x.carrier ~= y.carrier then say("%s %s", ifn, y.carrier and "carrier back" or "lost carrier (its other end is down)") end
      if x.mtu ~= y.mtu then say("%s mtu %s -> %s", ifn, x.mtu, y.mtu) end
      if x.master ~= y.master then say("%s master %s -> %s", ifn, x.master or "none", y.master or "none") end
      if x.mac and y.mac and x.mac ~= y.mac then say("%s mac %s -> %s", ifn, x.mac, y.mac) end
    end
  end
  for _, ifn in ipairs(sorted_keys(b)) do
    if not a[ifn] then say("new link %s%s", ifn, b[ifn].kind and " (" .. b[ifn].kind .. ")" or "") end
  end
end

local function diff_routes(name, a, b, out)
  local function say(fmt, ...) out[#out + 1] = name .. ": " .. fmt:format(...) end
  local function hops(r) return #r.nexthops > 0 and " (" .. table.concat(r.nexthops, ", ") .. ")" or "" end
  for _, dst in ipairs(sorted_keys(a)) do
    local x, y = a[dst], b[dst]
    if not y then say("lost route %s%s", dst, hops(x))
    else
      if x.type ~= y.type then say("%s is %s, was %s", dst, y.type or "unicast", x.type or "unicast") end
      set_diff(x.nexthops, y.nexthops,
        function(h) say("%s lost next hop %s", dst, h) end,
        function(h) say("%s new next hop %s", dst, h) end)
      local yn = set_of(y.nexthops)
      set_diff(x.down, y.down,
        function(h) if yn[h] then say("%s next hop %s back in use", dst, h) end end,
        function(h) say("%s next hop %s unusable (its link is down)", dst, h) end)
    end
  end
  for _, dst in ipairs(sorted_keys(b)) do
    if not a[dst] then say("new route %s%s", dst, hops(b[dst])) end
  end
end

local function diff_neighbours(name, a, b, out)
  if not a or not b then return end
  local function say(fmt, ...) out[#out + 1] = name .. ": " .. fmt:format(...) end
  for _, k in ipairs(sorted_keys(a)) do
    if not b[k] then say("lost neighbour %s", k)
    elseif a[k] ~= b[k] then say("neighbour %s: %s -> %s", k, a[k], b[k]) end
  end
  for _, k in ipairs(sorted_keys(b)) do
    if not a[k] then say("new neighbour %s (%s)", k, b[k]) end
  end
end

-- diff(a, b) -> lines, empty when nothing changed: what changed from
-- snapshot a to snapshot b, node by node, in words
function M.diff(a, b)
  local out = {}
  for _, name in ipairs(sorted_keys(a.nodes)) do
    local x, y = a.nodes[name], b.nodes[name]
    if not y then out[#out + 1] = name .. ": gone"
    else
      diff_links(name, x.links or {}, y.links or {}, out)
      set_diff(x.addrs, y.addrs,
        function(v) out[#out + 1] = ("%s: lost address %s"):format(name, v) end,
        function(v) out[#out + 1] = ("%s: new address %s"):format(name, v) end)
      diff_routes(name, x.routes or {}, y.routes or {}, out)
      diff_neighbours(name, x.neighbours, y.neighbours, out)
    end
  end
  for _, name in ipairs(sorted_keys(b.nodes)) do
    if not a.nodes[name] then out[#out + 1] = name .. ": new node" end
  end
  if a.reach and b.reach then
    set_diff(a.reach.unreachable, b.reach.unreachable,
      function(p) out[#out + 1] = p .. ": reaches now" end,
      function(p) out[#out + 1] = p .. ": no longer reaches" end)
  end
  return out
end

-- failures(lines) -> a diff's lines as a result's failures (node, what
-- changed), for the reports
function M.failures(lines)
  local t = {}
  for i, l in ipairs(lines) do
    t[i] = { src = l:match("^([^:]+)") or "", dst = "", addr = "", reason = (l:gsub("^[^:]+: ", "")) }
  end
  return t
end

-- check(doc, what) -> doc, or nil and why it is no snapshot
function M.check(doc, what)
  if type(doc) ~= "table" or type(doc.nodes) ~= "table" or doc.version == nil then
    return nil, ("%s is not an nsrun snapshot"):format(what)
  end
  if doc.version ~= M.VERSION then
    return nil, ("%s is a snapshot of version %s; this nsrun reads version %d"):format(what,
      tostring(doc.version), M.VERSION)
  end
  return doc
end

-- read(path) -> snapshot, or nil and one line saying why not
function M.read(path)
  local f, err = io.open(path)
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  local doc, why = require("nsrun.json").decode(text)
  if not doc then return nil, ("%s: %s"):format(path, why or "not JSON") end
  return M.check(doc, path)
end

function M.write(snap, path)
  local text = require("nsrun.json").encode(snap) .. "\n"
  if not path or path == "-" then io.stdout:write(text) return true end
  local f, err = io.open(path .. ".new", "w")
  if not f then return nil, err end
  f:write(text)
  f:close()
  return os.rename(path .. ".new", path)
end

-- reach(nodes) -> { pairs =, unreachable = { "a -> b", ... } }: every host
-- to every host (all nodes when there are no hosts), as lab:pingall; nodes
-- as the command line has them ({ name =, ns =, n = the model's node })
function M.reach(nodes)
  local chosen, list, sources, targets = {}, {}, {}, {}
  for _, x in ipairs(nodes) do if x.n.role == "host" then chosen[#chosen + 1] = x end end
  if #chosen == 0 then chosen = nodes end
  for _, x in ipairs(chosen) do
    local addr
    for _, a in ipairs(x.n.addrs or {}) do
      if not a.cidr:find(":", 1, true) then addr = a.cidr:match("^[^/]+"); break end
    end
    if addr then
      list[#list + 1], sources[#sources + 1], targets[#targets + 1] = x, x.ns, addr
    end
  end
  local un = {}
  if #list < 2 then return { pairs = 0, unreachable = un } end
  local res = util.check(require("nsrun.core").probe(sources, targets, nil, {}))
  for _, f in ipairs(res.failed) do un[#un + 1] = list[f.src].name .. " -> " .. list[f.dst].name end
  table.sort(un)
  return { pairs = res.pairs, unreachable = un }
end

---------------------------------------------------------------- the lab's

local OPTS = { neighbours = true, macs = true, reach = true }

-- lab:snapshot([{ neighbours = false, macs = false, reach = true }]) ->
-- snapshot; reach = true adds the hosts' reachability (pingall: the pairs
-- that do not reach)
function class.Lab:snapshot(opts)
  class.alive(self)
  util.arg(opts == nil or type(opts) == "table", 1, "snapshot", "table expected")
  opts = opts or {}
  for k in pairs(opts) do util.arg(OPTS[k], 1, "snapshot", ("unknown option %q"):format(tostring(k))) end
  if self.dry or self.plan then return { version = M.VERSION, lab = self.name, nodes = {} } end
  self:neighbours()
  local snap = M.take(self.name, self.order, opts)
  if opts.reach then
    local r = self:pingall()
    local list = {}
    for _, f in ipairs(r.failed) do list[#list + 1] = f.src .. " -> " .. f.dst end
    table.sort(list)
    snap.reach = { pairs = r.pairs, unreachable = list }
  end
  return snap
end

-- The options a snapshot was taken with (what it holds), to take another
-- that compares with it
local function like(a)
  local o = { neighbours = false, macs = false, reach = a.reach ~= nil }
  for _, st in pairs(a.nodes) do
    if st.neighbours then o.neighbours = nil end
    for _, l in pairs(st.links or {}) do if l.mac then o.macs = nil end end
  end
  return o
end

-- lab:diff(a, b) -> lines: what changed from snapshot a to b (b: now)
function class.Lab:diff(a, b)
  util.arg(type(a) == "table", 1, "diff", "a snapshot expected")
  util.arg(b == nil or type(b) == "table", 2, "diff", "a snapshot expected")
  util.check(M.check(a, "diff: argument #1"))
  b = b or self:snapshot(like(a))
  util.check(M.check(b, "diff: argument #2"))
  return M.diff(a, b)
end

-- lab:settle([{ quiet = 3, within = 60, neighbours =, macs = }]) ->
-- snapshot, seconds: once the lab's state (links, addresses, routes) has
-- not changed for quiet seconds: routing daemons have converged, as far
-- as the kernel shows.  Raises when it still changes after within seconds.
function class.Lab:settle(opts)
  class.alive(self)
  util.arg(opts == nil or type(opts) == "table", 1, "settle", "table expected")
  opts = opts or {}
  for k in pairs(opts) do
    util.arg(k == "quiet" or k == "within" or k == "neighbours" or k == "macs", 1, "settle",
      ("unknown option %q"):format(tostring(k)))
  end
  local quiet, within = opts.quiet or 3, opts.within or 60
  util.arg(type(quiet) == "number" and quiet >= 0, 1, "settle", "quiet: seconds >= 0")
  util.arg(type(within) == "number" and within >= 0, 1, "settle", "within: seconds >= 0")
  local o = { neighbours = opts.neighbours == true, macs = opts.macs == true }
  if self.plan or self.dry then return self:snapshot(o), 0 end
  self:start()
  local t0 = core.now()
  local last, since = self:snapshot(o), core.now()
  while core.now() - since < quiet do
    if core.now() - t0 > within then
      util.fail(("settle: lab %s still changes after %g s: %s"):format(self.name, within,
        table.concat(M.diff(last, self:snapshot(o)), "; ")))
    end
    core.sleep(math.min(0.5, quiet / 4 + 0.01))
    local now = self:snapshot(o)
    if #M.diff(last, now) > 0 then last, since = now, core.now() end
  end
  return last, core.now() - t0
end

-- lab:expect(nodes):matches(snapshot [, { within = s, name = }]) -> result:
-- the nodes' state (links, addresses, routes, and what else the snapshot
-- holds) is the snapshot's, or is again within s seconds (a fabric back
-- to where it was after a fault: the same routes everywhere).  A failure
-- lists the differences, as lab:diff.
function Expect:matches(snap, opts)
  util.arg(type(snap) == "table", 1, "matches", "a snapshot expected")
  util.check(M.check(snap, "matches: argument #1"))
  util.arg(opts == nil or type(opts) == "table", 2, "matches", "table expected")
  opts = opts or {}
  for k in pairs(opts) do
    util.arg(k == "within" or k == "name", 2, "matches", ("unknown option %q"):format(tostring(k)))
  end
  util.arg(opts.within == nil or (type(opts.within) == "number" and opts.within >= 0), 2, "matches",
    "within: seconds >= 0")
  util.arg(opts.name == nil or type(opts.name) == "string", 2, "matches", "name: a string expected")
  local lab = self.lab
  local names = {}
  for _, n in ipairs(self.src) do names[#names + 1] = n.name end
  local name = opts.name or ("%s as in the snapshot"):format(#names == 1 and names[1]
    or ("%d nodes"):format(#names))
  if lab.plan or lab.dry then return { ok = true, name = name, pairs = 0, failures = {} } end
  local want = { version = snap.version, lab = snap.lab, nodes = {} }
  for _, n in ipairs(names) do want.nodes[n] = snap.nodes[n] end
  local o = like(snap)
  o.reach = nil
  local t0 = core.now()
  local lines
  repeat
    local now = M.take(lab.name, self.src, o)
    now.version = snap.version
    lines = M.diff(want, now)
    if #lines == 0 or core.now() - t0 >= (opts.within or 0) then break end
    core.sleep(0.5)
  until false
  local r = { name = name, ok = #lines == 0, expect = "golden", pairs = #names, where = self.where,
    seconds = core.now() - t0, failures = M.failures(lines),
    held_after = #lines == 0 and opts.within and core.now() - t0 or nil }
  if #lines > 0 then r.summary = ("%d difference%s from the snapshot"):format(#lines, #lines == 1 and "" or "s") end
  return expect.record(lab, r)
end

return M
