-- nsrun.tools: the everyday verbs on a lab that is up (see nsrun(1)):
--   nsrun exec LAB NODE[,NODE...]|PATTERN -- CMD...
--   nsrun inspect LAB [NODE|PATTERN] [--json]
--   nsrun graph LAB|SCRIPT [-o FILE.dot] [--svg FILE] [--png FILE]
--   nsrun impair LAB NODE IFNAME key=value... | clear
-- A lab is read from its topology file (/run/nsrun/LAB/topology.json,
-- written when its script ends) and, for what is live, from the kernel.
local core = require "nsrun.core"
local json = require "nsrun.json"
local impair = require "nsrun.impair"

local M = {}

local function eprintf(fmt, ...) io.stderr:write(fmt:format(...)) end

local function topology_path(name) return core.state_dir .. "/" .. name .. "/topology.json" end

-- load(name) -> the lab's model (see lab:model()), or nil, message.  With
-- no topology file (a build killed midway, a lab made through the module
-- without lab:save()), its namespaces as the journal records them.
function M.load(name)
  local why = core.name_invalid(name)
  if why then return nil, ("lab name %q: %s"):format(name, why) end
  local info = core.lab_read(name)
  if not info then return nil, ("no lab %s (`nsrun list` shows the labs)"):format(name) end
  local f = io.open(topology_path(name))
  if f then
    local m, err = json.decode(f:read("a"))
    f:close()
    if not m then return nil, ("lab %s: %s: %s"):format(name, topology_path(name), err) end
    m.info = info
    return m
  end
  local m = { lab = name, nodes = {}, links = {}, bridges = {}, info = info, partial = true }
  for _, r in ipairs(info.records) do
    if r[1] == "ns" or r[1] == "attach" then
      m.nodes[#m.nodes + 1] = { name = r[2], ns = r[2], role = r[1] == "ns" and "node" or "attached" }
    end
  end
  return m
end

local function save(m)
  local path = topology_path(m.lab)
  local info = m.info
  m.info = nil
  local f = io.open(path .. ".new", "w")
  if f then
    f:write(json.encode(m), "\n")
    f:close()
    os.rename(path .. ".new", path)
  end
  m.info = info
end

local function glob(p)
  local lua = p:gsub("[%^%$%(%)%%%.%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return "^" .. lua .. "$"
end

-- select(model, "leaf1,spine*") -> the nodes, in the lab's order, or nil, message
function M.select(m, spec)
  local want, pats = {}, {}
  for item in spec:gmatch("[^,]+") do
    if item:find("[%*%?%[]") then pats[#pats + 1] = { item, glob(item) } else want[#want + 1] = item end
  end
  local byname = {}
  for _, n in ipairs(m.nodes) do byname[n.name] = n end
  local chosen = {}
  for _, w in ipairs(want) do
    if not byname[w] then return nil, ("lab %s has no node %s"):format(m.lab, w) end
    chosen[byname[w]] = true
  end
  for _, p in ipairs(pats) do
    local any = false
    for _, n in ipairs(m.nodes) do
      if n.name:match(p[2]) then chosen[n] = true; any = true end
    end
    if not any then return nil, ("no node of lab %s matches %s"):format(m.lab, p[1]) end
  end
  local out = {}
  for _, n in ipairs(m.nodes) do if chosen[n] then out[#out + 1] = n end end
  if #out == 0 then return nil, ("no node given") end
  return out
end

-- A node's namespace; for a container, holding its process so that
-- commands join all its namespaces (its pid as Docker has it now).
local function open(n)
  local ns, msg = core.open(n.ns)
  if not ns then return nil, msg end
  if n.container then
    local pid = n.pid
    local docker = core.docker()
    if docker then
      local c = docker:inspect(n.container.id or n.container.name)
      if c and c.running then pid = c.pid end
      docker:close()
    end
    if pid and ns:hold(pid) then ns:whole(true) end
  end
  return ns
end

---------------------------------------------------------------- exec

function M.exec(argv)
  local labname, spec = argv[1], argv[2]
  local i = 3
  if argv[i] == "--" then i = i + 1 end
  local cmd = table.move(argv, i, #argv, 1, {})
  if not labname or not spec or spec == "--" or #cmd == 0 then
    eprintf("usage: nsrun exec LAB NODE[,NODE...]|PATTERN -- CMD [ARG...]\n")
    return 2
  end
  local m, msg = M.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes
  nodes, msg = M.select(m, spec)
  if not nodes then eprintf("nsrun: %s\n", msg) return 1 end
  if #nodes == 1 and not spec:find("[%*%?%[,]") then
    -- one node: the command has the terminal; nsrun exits with its status
    local ns
    ns, msg = open(nodes[1])
    if not ns then eprintf("nsrun: %s\n", msg) return 1 end
    local status
    status, msg = ns:exec(cmd)
    ns:close()
    if not status then eprintf("nsrun: %s\n", msg) return 127 end
    return status
  end
  -- several: one after another, each line of output prefixed with the
  -- node's name, then every node's status; 1 when any failed
  local failed = {}
  for _, n in ipairs(nodes) do
    local ns, status, out, err
    ns, msg = open(n)
    if ns then
      status, out, err = ns:run(cmd)
      ns:close()
      if not status then msg = out end
    end
    for line in (out or ""):gmatch("[^\n]+") do io.stdout:write(n.name, ": ", line, "\n") end
    for line in (err or ""):gmatch("[^\n]+") do io.stderr:write(n.name, ": ", line, "\n") end
    io.stdout:flush()
    if status ~= 0 then
      failed[#failed + 1] = ("%s (%s)"):format(n.name,
        status and ("exit " .. status) or msg)
    end
  end
  if #failed > 0 then
    eprintf("nsrun exec: %d of %d nodes failed: %s\n", #failed, #nodes, table.concat(failed, ", "))
    return 1
  end
  eprintf("nsrun exec: %d nodes, all exited 0\n", #nodes)
  return 0
end

---------------------------------------------------------------- inspect

-- What the kernel has for one node: interfaces (with their peer from the
-- lab's links), addresses, routes, impairments.
local function node_state(m, n, peers)
  local ns, msg = core.open(n.ns)
  local state = { name = n.name, namespace = n.ns,
    kind = n.container and (n.container.adopted and "attached container" or "container") or n.role or "node",
    tier = n.tier, pod = n.pod, container = n.container and n.container.name or nil,
    pid = n.pid, interfaces = {}, routes = {} }
  if not ns then state.error = msg; return state end
  local addrs = {}
  for _, a in ipairs(ns:addrs() or {}) do
    if not a.link_local then
      addrs[a.ifname] = addrs[a.ifname] or {}
      table.insert(addrs[a.ifname], a.cidr)
    end
  end
  for _, l in ipairs(ns:links() or {}) do
    local i = { name = l.name, kind = l.kind ~= "" and l.kind or nil, up = l.up, carrier = l.lower_up,
      mtu = l.mtu, mac = l.mac, master = l.master, peer = peers[n.name .. ":" .. l.name],
      addresses = addrs[l.name] or {} }
    if l.kind == "veth" then
      local imp = ns:impairment(l.name)
      if imp and imp.kind ~= "none" then i.impairment = impair.describe(imp) end
    end
    if not (l.name == "lo" and #i.addresses <= 2 and (i.addresses[1] or ""):find("^127%.")) then
      state.interfaces[#state.interfaces + 1] = i
    end
  end
  for _, r in ipairs(ns:routes() or {}) do
    if r.type == "unicast" or r.type == "blackhole" or r.type == "unreachable" or r.type == "prohibit" then
      if not (r.family == 6 and r.dst:find("^fe80")) then
        state.routes[#state.routes + 1] = { dst = r.dst, type = r.type ~= "unicast" and r.type or nil,
          nexthops = r.nexthops, metric = r.metric ~= 0 and r.metric or nil, family = r.family }
      end
    end
  end
  ns:close()
  return state
end

local function route_text(r)
  local hops = {}
  for _, h in ipairs(r.nexthops) do
    hops[#hops + 1] = (h.via and ("via " .. h.via .. " ") or "") .. "dev " .. (h.dev or "?")
      .. ((#r.nexthops > 1 and h.weight ~= 1) and (" weight " .. h.weight) or "")
  end
  return r.dst .. (r.type and (" " .. r.type) or "") .. (#hops > 0 and " " .. table.concat(hops, ", ") or "")
    .. (r.metric and (" metric " .. r.metric) or "")
end

function M.inspect(argv)
  local labname, spec, as_json
  for _, a in ipairs(argv) do
    if a == "--json" then as_json = true
    elseif not labname then labname = a
    elseif not spec then spec = a
    else eprintf("usage: nsrun inspect LAB [NODE|PATTERN] [--json]\n") return 2 end
  end
  if not labname then eprintf("usage: nsrun inspect LAB [NODE|PATTERN] [--json]\n") return 2 end
  local m, msg = M.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes = m.nodes
  if spec then
    nodes, msg = M.select(m, spec)
    if not nodes then eprintf("nsrun: %s\n", msg) return 1 end
  end
  -- what each end faces: the other end, or the bridge it is a port of
  local function side(node, ifname, bridge)
    if not bridge then return node .. ":" .. ifname end
    return node == "host" and "bridge " .. bridge or node .. ":" .. bridge
  end
  local peers = {}
  for _, l in ipairs(m.links) do
    peers[l.a .. ":" .. l.ifa] = side(l.b, l.ifb, l.bridge)
    peers[l.b .. ":" .. l.ifb] = side(l.a, l.ifa, l.bridge_a)
  end
  local states = {}
  for i, n in ipairs(nodes) do states[i] = node_state(m, n, peers) end
  local procs = {}
  for _, r in ipairs(m.info.records) do
    if r[1] == "proc" then
      local pid, start = math.tointeger(tonumber(r[2])), math.tointeger(tonumber(r[3]))
      procs[#procs + 1] = { pid = pid, running = pid and start and core.proc_alive(pid, start) or false }
    end
  end
  for _, p in ipairs(m.procs or {}) do
    for _, x in ipairs(procs) do if x.pid == p.pid then x.node, x.cmd = p.node, p.cmd end end
  end
  local bridges = {}
  for _, br in ipairs(m.bridges or {}) do
    bridges[#bridges + 1] = { name = br.name, node = br.node, ports = br.ports }
  end
  if as_json then
    io.stdout:write(json.encode({ lab = m.lab, made_by = { pid = m.info.pid, running = m.info.alive },
      partial = m.partial, nodes = states, bridges = bridges, processes = procs }), "\n")
    return 0
  end
  print(("lab %s: %d nodes, %d links, %d bridges; made by pid %d (%s)%s"):format(m.lab, #m.nodes, #m.links,
    #bridges, m.info.pid, m.info.alive and "running" or "exited",
    m.partial and "; no topology file: namespaces from the journal only" or ""))
  local rows = { { "NODE", "KIND", "INTERFACE", "PEER", "ADDRESSES", "STATE" } }
  for _, s in ipairs(states) do
    local kind = s.kind .. (s.container and (" " .. s.container) or "")
    if s.error then rows[#rows + 1] = { s.name, kind, "", "", s.error, "" } end
    for j, i in ipairs(s.interfaces) do
      local st = (i.up and (i.carrier and "up" or "no-carrier") or "down")
        .. (i.master and (" in " .. i.master) or "") .. (i.impairment and (", " .. i.impairment) or "")
      -- a device with no peer (vlan, vrf, bond, vxlan, ...): its kind
      local peer = i.peer or (i.kind and i.kind ~= "veth" and "(" .. i.kind .. ")") or ""
      rows[#rows + 1] = { j == 1 and s.name or "", j == 1 and kind or "", i.name, peer,
        table.concat(i.addresses, " "), st }
    end
    if #s.interfaces == 0 and not s.error then rows[#rows + 1] = { s.name, kind, "", "", "", "" } end
  end
  local width = {}
  for _, r in ipairs(rows) do
    for c, v in ipairs(r) do width[c] = math.max(width[c] or 0, #v) end
  end
  for _, r in ipairs(rows) do
    local cells = {}
    for c, v in ipairs(r) do cells[c] = c < #r and v .. (" "):rep(width[c] - #v) or v end
    print((table.concat(cells, "  "):gsub("%s+$", "")))
  end
  -- bridges: where each port leads (Mininet's `links`)
  if #bridges > 0 and not spec then
    local to = {}
    for _, l in ipairs(m.links) do
      if l.bridge then
        to[l.bridge .. "/" .. l.ifb] = l.bridge_a and ("bridge %s (%s)"):format(l.bridge_a, l.ifa)
          or l.a .. ":" .. l.ifa
      end
      if l.bridge_a then to[l.bridge_a .. "/" .. l.ifa] = ("bridge %s (%s)"):format(l.bridge, l.ifb) end
    end
    print("")
    print("BRIDGES")
    for _, br in ipairs(bridges) do
      local ports = {}
      for _, p in ipairs(br.ports or {}) do ports[#ports + 1] = p .. " -> " .. (to[br.name .. "/" .. p] or "?") end
      print(("%s%s: %s"):format(br.name, br.node ~= "host" and (" in " .. br.node) or "",
        #ports > 0 and table.concat(ports, ", ") or "no ports"))
    end
  end
  print("")
  print("ROUTES")
  for _, s in ipairs(states) do
    for j, r in ipairs(s.routes) do
      print(("%-" .. width[1] .. "s  %s"):format(j == 1 and s.name or "", route_text(r)))
    end
  end
  if #procs > 0 then
    print("")
    print("PROCESSES")
    for _, p in ipairs(procs) do
      print(("%-8d %-8s %s%s"):format(p.pid, p.running and "running" or "gone", p.node or "",
        p.cmd and ("  " .. p.cmd) or ""))
    end
  end
  return 0
end

---------------------------------------------------------------- graph

-- graph LAB|SCRIPT [-o FILE] [--svg FILE] [--png FILE]; a script is
-- rehearsed dry (nothing made, no root needed)
function M.graph(argv, rehearse)
  local target, outs, list = nil, {}, {}
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a == "-o" or a == "--svg" or a == "--png" then
      if not argv[i + 1] then eprintf("nsrun graph: %s needs a file\n", a) return 2 end
      local path = argv[i + 1]
      if a == "--svg" and not path:find("%.svg$") then path = path .. ".svg" end
      if a == "--png" and not path:find("%.png$") then path = path .. ".png" end
      outs[#outs + 1] = path
      i = i + 1
    elseif a:sub(1, 1) == "-" then eprintf("nsrun graph: unknown option %s\n", a) return 2
    elseif not target then target = a
    else list[#list + 1] = a end   -- the script's arguments
    i = i + 1
  end
  if not target then
    eprintf("usage: nsrun graph LAB|SCRIPT [ARG...] [-o FILE.dot] [--svg FILE] [--png FILE]\n")
    return 2
  end
  local models = {}
  local f = io.open(target)
  if f or target:find("%.lua$") then
    if f then f:close() end
    local labs, err = rehearse(target, list)
    if not labs then eprintf("nsrun: %s\n", err) return 1 end
    for _, lab in ipairs(labs) do models[#models + 1] = lab:model() end
    if #models == 0 then eprintf("nsrun: %s makes no lab\n", target) return 1 end
  else
    local m, msg = M.load(target)
    if not m then eprintf("nsrun: %s\n", msg) return 1 end
    m.info = nil
    models[1] = m
  end
  local text = require("nsrun.graph").dot(models)
  if #outs == 0 then io.stdout:write(text) return 0 end
  for _, path in ipairs(outs) do
    local ok, msg = require("nsrun.graph").write(text, path)
    if not ok then eprintf("nsrun graph: %s: %s\n", path, msg) return 1 end
    eprintf("nsrun graph: wrote %s\n", path)
  end
  return 0
end

---------------------------------------------------------------- impair

function M.impair(argv)
  local labname, node, ifname = argv[1], argv[2], argv[3]
  local usage = "usage: nsrun impair LAB NODE IFNAME [delay=TIME] [jitter=TIME] [loss=PERCENT]\n"
    .. "         [duplicate=PERCENT] [reorder=PERCENT] [corrupt=PERCENT] [rate=RATE] [limit=PACKETS]\n"
    .. "       nsrun impair LAB NODE IFNAME clear\n"
  if not ifname or not argv[4] then eprintf("%s", usage) return 2 end
  local opts = {}
  if not (argv[4] == "clear" and #argv == 4) then
    for k = 4, #argv do
      local key, value = argv[k]:match("^(%a+)=(.+)$")
      if not key then eprintf("nsrun impair: %q is not key=value\n%s", argv[k], usage) return 2 end
      opts[key] = value
    end
  end
  local spec, why = impair.parse(opts)
  if not spec then eprintf("nsrun impair: %s\n", why) return 2 end
  local m, msg = M.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes
  nodes, msg = M.select(m, node)
  if not nodes or #nodes ~= 1 then eprintf("nsrun: %s\n", msg or "name one node") return 1 end
  local n = nodes[1]
  local ns
  ns, msg = core.open(n.ns)
  if not ns then eprintf("nsrun: %s\n", msg) return 1 end
  local ok
  ok, msg = ns:impair(ifname, spec)
  if not ok then ns:close(); eprintf("nsrun: %s\n", msg) return 1 end
  local now = ns:impairment(ifname)
  ns:close()
  if not m.partial then
    n.impair = n.impair or {}
    n.impair[ifname] = next(spec) and spec or nil
    save(m)
  end
  print(("%s %s: %s"):format(n.name, ifname, now and now.kind ~= "none" and impair.describe(now) or "no impairment"))
  return 0
end

return M
