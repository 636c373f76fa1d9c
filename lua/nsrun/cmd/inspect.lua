-- nsrun inspect LAB [NODE|PATTERN] [--json]: what the kernel has for a
-- lab's nodes (interfaces and their peers, addresses, routes, impairments),
-- with what its model says (kinds, peers, bridges, processes).
local core = require "nsrun.core"
local util = require "nsrun.util"
local model = require "nsrun.model"

local eprintf = util.eprintf
local json = require "nsrun.json"
local impair = require "nsrun.impair"

local M = {
  usage = "nsrun inspect LAB [NODE|PATTERN] [--json] | LAB --model",
  summary = "nodes, interfaces and peers, addresses, routes",
}

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
      .. (h.dead and " dead" or "") .. (h.linkdown and " linkdown (its link is down)" or "")
  end
  return r.dst .. (r.type and (" " .. r.type) or "") .. (#hops > 0 and " " .. table.concat(hops, ", ") or "")
    .. (r.metric and (" metric " .. r.metric) or "")
end

function M.run(argv)
  local labname, spec, as_json, as_model
  for _, a in ipairs(argv) do
    if a == "--json" then as_json = true
    elseif a == "--model" then as_model = true
    elseif not labname then labname = a
    elseif not spec then spec = a
    else return require("nsrun.cli").usage_error("inspect") end
  end
  if not labname then return require("nsrun.cli").usage_error("inspect") end
  local m, msg = model.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  if as_model then   -- the lab's model as saved: every node, on every machine
    if spec or as_json then return require("nsrun.cli").usage_error("inspect") end
    local info = m.info
    m.info, m.nodes, m.all_nodes, m.away = nil, m.all_nodes or m.nodes, nil, nil
    io.stdout:write(json.encode(m), "\n")
    m.info = info
    return 0
  end
  local nodes = m.nodes
  if spec then
    nodes, msg = model.select(m, spec)
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
  local procs, known = {}, {}
  for _, p in ipairs(m.procs or {}) do known[p.pid] = p end
  for _, r in ipairs(m.info.records) do
    if r[1] == "proc" then
      local pid, start = math.tointeger(tonumber(r[2])), math.tointeger(tonumber(r[3]))
      local p = known[pid] or {}
      procs[#procs + 1] = { pid = pid, running = pid and start and core.proc_alive(pid, start) or false,
        node = p.node, cmd = p.cmd }
    end
  end
  -- the bridges of the nodes shown (all of them for the whole lab)
  local shown = {}
  for _, n in ipairs(nodes) do shown[n.name] = true end
  local bridges = {}
  for _, br in ipairs(m.bridges or {}) do
    if not spec or shown[br.node] then
      bridges[#bridges + 1] = { name = br.name, node = br.node, ports = br.ports }
    end
  end
  if as_json then
    io.stdout:write(json.encode({ lab = m.lab, made_by = { pid = m.info.pid, running = m.info.alive },
      partial = m.partial, nodes = states, bridges = bridges, processes = procs }), "\n")
    return 0
  end
  local function plural(k, one) return ("%d %s%s"):format(k, one, k == 1 and "" or "s") end
  print(("lab %s: %s, %s, %s; made by pid %d (%s)%s"):format(m.lab, plural(#m.nodes, "node"),
    plural(#m.links, "link"), plural(#bridges, "bridge"), m.info.pid, m.info.alive and "running" or "exited",
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
  if #bridges > 0 then
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

return M
