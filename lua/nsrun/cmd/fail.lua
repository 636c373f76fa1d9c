-- nsrun fail LAB A B|A:IFNAME down|up|gray|flap|restore [KEY=VALUE...]
-- nsrun fail LAB NODE isolate|freeze|thaw|kill|restart|restore
-- Faults in a lab that is up, from outside its script (nsrun.fault has
-- the steps).  What `restore` needs later (the routes a link's down made
-- the kernel forget, a flapping process) is kept in /run/nsrun/LAB/faults.json.
local core = require "nsrun.core"
local util = require "nsrun.util"
local model = require "nsrun.model"
local fault = require "nsrun.fault"
local json = require "nsrun.json"

local eprintf = util.eprintf

local M = {
  usage = "nsrun fail LAB A B|A:IFNAME down|up|gray|flap|restore [from=A|B] [loss=PERCENT] "
    .. "[period=SECONDS] [count=N] | nsrun fail LAB NODE isolate|freeze|thaw|kill|restart|restore",
  summary = "break a link or a node of a lab that runs, or mend it",
}

local LINK_ACTIONS = { down = true, up = true, gray = true, flap = true, restore = true }
local NODE_ACTIONS = { isolate = true, freeze = true, thaw = true, kill = true, restart = true,
  restore = true }
local KEYS = { down = { from = true }, up = { from = true }, gray = { from = true, loss = true },
  flap = { period = true, count = true }, restore = {} }

local function state_path(lab) return core.state_dir .. "/" .. lab .. "/faults.json" end

local function load_state(lab)
  local text = util.slurp(state_path(lab))
  return text and json.decode(text) or {}
end

local function save_state(lab, st)
  local f, err = io.open(state_path(lab) .. ".new", "w")
  if not f then return nil, err end
  f:write(json.encode(st), "\n")
  f:close()
  return os.rename(state_path(lab) .. ".new", state_path(lab))
end

-- The lab's link between a and b (or a's end named ifname): the model's
-- { a, ifa, b, ifb }, with a first
local function find_link(m, a, b, ifname)
  for _, l in ipairs(m.links) do
    if ifname then
      if l.a == a and l.ifa == ifname then return l.a, l.ifa, l.b, l.ifb end
      if l.b == a and l.ifb == ifname then return l.b, l.ifb, l.a, l.ifa end
    elseif l.a == a and l.b == b then return l.a, l.ifa, l.b, l.ifb
    elseif l.b == a and l.a == b then return l.b, l.ifb, l.a, l.ifa end
  end
end

-- An end: the node's namespace opened (the host's for "host"), whether
-- the lab made that namespace
local function open_end(m, owned, name, ifname, opened)
  local n
  for _, x in ipairs(m.nodes) do if x.name == name then n = x end end
  local ns = opened[name]
  if not ns then   -- not a node of the model: the host's namespace
    local msg
    if n then ns, msg = model.open(n) else ns, msg = core.root() end
    if not ns then util.fail(msg) end
    opened[name] = ns
  end
  return { ns = ns, ifname = ifname, owned = n ~= nil and owned[n.ns] or false, label = name .. ":" .. ifname }
end

local function parse_kv(argv, from, allowed, action)
  local kv = {}
  for k = from, #argv do
    local key, value = argv[k]:match("^(%a+)=(.+)$")
    if not key then util.fail(("%q is not key=value"):format(argv[k])) end
    if not allowed[key] then util.fail(("%s takes no %s="):format(action, key)) end
    kv[key] = value
  end
  return kv
end

local function link_fault(m, st, owned, opened, argv)
  local name, peer = argv[2], argv[3]
  local a, ifa = name:match("^(.-):(.+)$")
  local action
  if a then action, peer = argv[3], nil else a, action = name, argv[4] end
  if not action then
    util.fail(("%s %s: which fault? (a link: down, up, gray, flap, restore; a node: isolate, freeze, "
      .. "thaw, kill, restore)"):format(name, peer or ""))
  end
  if not LINK_ACTIONS[action] then
    util.fail(("%s: not an action on a link (down, up, gray, flap, restore)"):format(action))
  end
  local kv = parse_kv(argv, peer and 5 or 4, KEYS[action], action)
  local na, ia, nb, ib = find_link(m, a, peer, ifa)
  if not na then
    util.fail(peer and ("lab %s has no link between %s and %s"):format(m.lab, a, peer)
      or ("lab %s has no link at %s:%s"):format(m.lab, a, ifa))
  end
  local ea, eb = open_end(m, owned, na, ia, opened), open_end(m, owned, nb, ib, opened)
  local key = na < nb and ea.label .. " " .. eb.label or eb.label .. " " .. ea.label
  local rec = st[key] or {}
  st[key] = rec
  local ends = { ea, eb }
  if kv.from then
    if kv.from == na then ends = { ea } elseif kv.from == nb then ends = { eb }
    else util.fail(("from=%s: not an end of the link %s -- %s"):format(kv.from, na, nb)) end
  end
  local function stop_flapping()
    if rec.flapper then core.proc_end(rec.flapper.pid, rec.flapper.start, 1000); rec.flapper = nil end
  end
  rec.kept = rec.kept or {}
  if action == "down" then
    for _, e in ipairs(ends) do
      if not rec.kept[e.label] then rec.kept[e.label] = fault.down(e) end
    end
  elseif action == "up" then
    for _, e in ipairs(ends) do fault.up(e, rec.kept[e.label]); rec.kept[e.label] = nil end
  elseif action == "gray" then
    local loss = kv.loss and fault.percent(kv.loss, "loss") or nil
    if kv.from then fault.gray(ends[1], ends[1] == ea and eb or ea, loss)
    else fault.gray(ea, eb, loss); fault.gray(eb, ea, loss) end
  elseif action == "flap" then
    if not kv.period then util.fail("flap needs period=SECONDS") end
    local period = fault.seconds(kv.period, "period")
    local count = kv.count and math.tointeger(tonumber(kv.count))
    if kv.count and (not count or count < 0) then util.fail(("count=%s: an integer >= 0"):format(kv.count)) end
    stop_flapping()
    local j = util.check(core.journal_open(m.lab))
    local pid, start = fault.flap(ea, eb, period, count or 0, j)
    j:close()
    rec.flapper = { pid = pid, start = start }
  elseif action == "restore" then
    stop_flapping()
    for _, e in ipairs { ea, eb } do
      fault.ungray(e)
      fault.up(e, rec.kept[e.label])
    end
    st[key] = nil
  end
  return ("%s -- %s: %s"):format(ea.label, eb.label, action)
end

-- The processes nsrun started in a node (the model's, still running)
local function node_procs(m, name)
  local out = {}
  for _, p in ipairs(m.procs or {}) do
    if p.node == name and p.start and core.proc_alive(p.pid, p.start) then out[#out + 1] = p end
  end
  return out
end

-- restart(m, n): the node's daemons started again (ended first if they
-- run), as its script's lab:start() did; the model gets their PIDs
local function restart(m, n)
  if not n.daemon then util.fail(("%s runs no daemon"):format(n.name)) end
  local daemon = require "nsrun.daemon"
  local keep = {}
  for _, p in ipairs(m.procs or {}) do
    if p.node == n.name and p.daemon then
      if p.start and core.proc_alive(p.pid, p.start) then core.proc_end(p.pid, p.start, 3000) end
    else
      keep[#keep + 1] = p
    end
  end
  local ns = util.check(model.open(n))
  local j <close> = util.check(core.journal_open(m.lab))
  local stand_in = { name = n.name, nsname = n.ns,
    daemon = { kind = n.daemon.kind, daemons = n.daemon.daemons, file = n.daemon.file,
      profile = n.daemon.profile or "traditional", dirs = daemon.dirs_of(m.lab, n.ns) } }
  function stand_in:spawn_here(argv, log)
    local pid, start, code = ns:spawn(argv, log, j)
    if not pid then util.fail(start, code) end
    local p = { pid = pid, start = start, node = n.name, cmd = table.concat(argv, " "), log = log }
    keep[#keep + 1] = p
    return pid, p
  end
  function stand_in:exec_here(argv)
    local status, out, err = ns:run(argv)
    if not status then util.fail(out, err) end
    return { ok = status == 0, stdout = out, stderr = err }
  end
  local ok, err = pcall(daemon.start, { stand_in })   -- each p gets .daemon
  for _, p in ipairs(keep) do p.log = nil end
  m.procs = keep
  model.save(m)
  ns:close()
  if not ok then error(err, 0) end
  return ("%s: restart (%s)"):format(n.name, table.concat(n.daemon.daemons, ", "))
end

local function node_fault(m, st, owned, opened, argv)
  local name, action = argv[2], argv[3]
  if #argv > 3 then util.fail(("%s takes no arguments"):format(action)) end
  local nodes, msg = model.select(m, name)
  if not nodes or #nodes ~= 1 then util.fail(msg or ("%s: name one node"):format(name)) end
  name = nodes[1].name
  local key = "node " .. name
  local rec = st[key] or {}
  st[key] = rec
  if action == "restart" then return restart(m, nodes[1]) end
  if action == "freeze" or action == "thaw" or action == "kill" then
    local list = node_procs(m, name)
    if action == "kill" then
      local daemons = {}
      for _, p in ipairs(list) do if p.daemon then daemons[#daemons + 1] = p end end
      list = daemons
    end
    if #list == 0 then
      util.fail(("%s runs no %s nsrun started"):format(name, action == "kill" and "daemon" or "process"))
    end
    for _, p in ipairs(list) do
      util.check(core.proc_signal(p.pid, p.start,
        action == "freeze" and "STOP" or action == "thaw" and "CONT" or "KILL"))
    end
    if action ~= "kill" then fault.settle_procs(list, action == "freeze") end
    rec.frozen = action == "freeze" or nil
  elseif action == "isolate" then
    rec.kept = rec.kept or {}
    for _, l in ipairs(m.links) do
      local ifname = l.a == name and l.ifa or l.b == name and l.ifb
      if ifname then
        local e = open_end(m, owned, name, ifname, opened)
        if not rec.kept[e.label] then rec.kept[e.label] = fault.down(e) end
      end
    end
  elseif action == "restore" then
    for _, p in ipairs(node_procs(m, name)) do core.proc_signal(p.pid, p.start, "CONT") end
    for label, kept in pairs(rec.kept or {}) do
      fault.up(open_end(m, owned, name, label:match(":(.+)$"), opened), kept)
    end
    st[key] = nil
  end
  return ("%s: %s"):format(name, action)
end

function M.run(argv)
  local labname, name, third = argv[1], argv[2], argv[3]
  if not labname or not name or not third then return require("nsrun.cli").usage_error("fail") end
  local m, msg = model.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  if m.partial then eprintf("nsrun: lab %s has no model yet (its script has not saved one)\n", labname) return 1 end
  local owned = {}
  for _, r in ipairs(m.info.records) do if r[1] == "ns" then owned[r[2]] = true end end
  local st, opened = load_state(labname), {}
  local ok, res = pcall(function()
    if not name:find(":") then
      local is_node = false
      for _, n in ipairs(m.nodes) do is_node = is_node or n.name == third end
      if NODE_ACTIONS[third] then return node_fault(m, st, owned, opened, argv) end
      if not is_node and third ~= "host" then
        util.fail(("%s: neither a node of lab %s nor an action on node %s (isolate, freeze, thaw, kill, "
          .. "restore)"):format(third, m.lab, name))
      end
    end
    return link_fault(m, st, owned, opened, argv)
  end)
  for _, ns in pairs(opened) do ns:close() end
  -- kept also after a failure: what a first end's down made the kernel
  -- forget must be there for restore
  local saved, why = save_state(labname, st)
  if not ok then
    eprintf("nsrun fail: %s\n", util.is_error(res) and res.message or tostring(res))
    return 1
  end
  if not saved then eprintf("nsrun fail: %s: %s\n", state_path(labname), why) return 1 end
  print(res)
  return 0
end

return M
