-- nsrun.lab: labs own what they create.  Nodes (namespaces), links (veth
-- pairs), bridges; each recorded in the lab's journal before it is made.
local core = require "nsrun.core"
local util = require "nsrun.util"
local progress = require "nsrun.progress"
local impair = require "nsrun.impair"

local fail, check, arg = util.fail, util.check, util.arg

local Lab = { __name = "nsrun.lab" }
Lab.__index = Lab
local Node = { __name = "nsrun.node" }
Node.__index = Node
local Bridge = { __name = "nsrun.bridge" }
Bridge.__index = Bridge
local Link = { __name = "nsrun.link" }
Link.__index = Link

local FORWARDING = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" }
-- what every new namespace starts with, read once per lab (see add_node)
local INHERITED = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
  "net.ipv4.conf.default.forwarding",
  "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter" }

-- M.planning: set by the pre-flight pass (nsrun.preflight) while it runs a
-- script dry; its collide(msg) collects names already taken.
local M = { Lab = Lab, Node = Node, Bridge = Bridge, Link = Link, opened = {}, planning = nil }

---------------------------------------------------------------- labs

function M.new(name, opts)
  util.string_arg(name, 1, "lab")
  arg(opts == nil or type(opts) == "table", 2, "lab", "table expected")
  opts = opts or {}
  local prefix = opts.prefix or ""
  arg(type(prefix) == "string", 2, "lab", "prefix must be a string")
  -- The prefix names the lab too: copies of one scenario run side by side.
  name = prefix .. name
  local why = core.name_invalid(name)
  if why then fail(("lab name %q: %s"):format(name, why)) end
  -- the kernel, or nothing at all for a dry lab (its model only)
  -- (a lab the script makes dry stays a plain dry lab in the pre-flight)
  local plan = not opts.dry and M.planning or nil
  local sys = opts.dry and require("nsrun.dry")
    or plan and require("nsrun.dry").planned(plan.collide) or core
  local journal = check(sys.lab_create(name))
  local root, msg = sys.root()
  if not root then journal:close(); sys.lab_destroy(name); fail(msg) end
  local lab = setmetatable({
    name = name, prefix = prefix, journal = journal, sys = sys, dry = (opts.dry or plan) and true,
    linklocal = opts.linklocal ~= false,
    plan = plan,
    times = {},
    nodes = {}, order = {}, links = {}, bridges = {}, procs = {},
    started = core.now(), counts = { addresses = 0, routes = 0 },
  }, Lab)
  lab.root = setmetatable({ lab = lab, name = "host", nsname = "-", ns = root,
    role = "host-namespace", owned = false, ifaces = {}, addrs = {}, routes = {},
    known = {} }, Node)
  M.opened[#M.opened + 1] = lab
  return lab
end

function Lab:__tostring()
  return ("lab %s (%d nodes, %d links)"):format(self.name, #self.order, #self.links)
end

local function alive(lab)
  if lab.destroyed then fail(("lab %s was destroyed"):format(lab.name)) end
end

-- Which lab's journal records this object ({ "ns", name }, { "link", ns,
-- ifname }, ...)?  For messages about names already taken.
local function owner(lab, ...)
  local want = table.pack(...)
  for _, name in ipairs(core.lab_names() or {}) do
    local info = core.lab_read(name)
    for _, r in ipairs(info and info.records or {}) do
      local same = true
      for i = 1, want.n do same = same and r[i] == want[i] end
      if same and (name ~= lab.name or lab.plan) then return name end
    end
  end
end

local function taken(lab, what, ...)
  local by = owner(lab, ...)
  if by then return ("%s exists already (made by lab %s: `nsrun destroy %s`)"):format(what, by, by) end
  return ("%s exists already (not made by nsrun)"):format(what)
end

-- A name already taken: an error, or in the pre-flight pass one more
-- collision to report (the pass goes on to find them all).
local function collide(lab, msg)
  if lab.plan then lab.plan.collide(util.where() .. msg) else fail(msg) end
end

-- fn(...) with record written ahead in the journal (no record: nil), and
-- struck out if fn fails; fn returns a value or nil, message, errno.
local function journaled(lab, record, fn, ...)
  if record then check(lab.journal:add(record)) end
  local v, msg, code = fn(...)
  if not v then
    if record then lab.journal:undo(record) end
    fail(msg, code)
  end
  return v
end

-- Claim name for a new node: check it, record "<kind> <nsname>" in the
-- journal, then make(nsname) -> ns handle; strike the record out if that fails.
local function claim(lab, name, kind, fname, make)
  alive(lab)
  util.string_arg(name, 1, fname)
  local nsname = lab.prefix .. name
  local why = core.name_invalid(nsname)
  if why then fail(("node name %q: %s"):format(nsname, why)) end
  if lab.nodes[name] then fail(("node %s exists already in lab %s"):format(name, lab.name)) end
  if lab.sys.exists(nsname) then
    collide(lab, taken(lab, "namespace " .. nsname, "ns", nsname) .. "; choose another name or lab prefix")
  end
  local ns = journaled(lab, kind .. " " .. nsname, make, nsname)
  local node = setmetatable({ lab = lab, name = name, nsname = nsname, ns = ns,
    ifaces = {}, addrs = {}, routes = {}, known = {} }, Node)
  lab.nodes[name] = node
  lab.order[#lab.order + 1] = node
  progress.build(lab)
  return node
end

-- How long each phase took: lab.times[phase] = seconds (nodes and links are
-- counted from the lab's start to the first autoaddr).
local added   -- added(node, ifname, cidr): with Node:addr below

local function timed(lab, phase, fn)
  local t0 = core.now()
  local r, r2 = fn()
  lab.times[phase] = (lab.times[phase] or 0) + core.now() - t0
  return r, r2
end

local function add_node(lab, name, role, fname)
  local node = claim(lab, name, "ns", fname, lab.sys.create)
  node.role, node.owned = role, true
  -- What a new namespace starts with (copied from the host, or the kernel's
  -- defaults, per net.core.devconf_inherit_init_net): read once per lab,
  -- so forwarding is written only where it must differ.
  if not lab.inherited then
    lab.inherited = {}
    for _, key in ipairs(INHERITED) do lab.inherited[key] = node.ns:sysctl(key) end
  end
  setmetatable(node.known, { __index = lab.inherited })
  node:forwarding(role == "router")
  return node
end

-- lab:node(name) -> a namespace; lab:host(name), lab:router(name) say its
-- role: a router forwards, a host does not.
function Lab:node(name) return add_node(self, name, "node", "node") end
function Lab:host(name) return add_node(self, name, "host", "host") end
function Lab:router(name) return add_node(self, name, "router", "router") end

-- The lab's Docker Engine connection, opened on first use.
function Lab:docker()
  if not self.engine then self.engine = check(core.docker()) end
  return self.engine
end

-- lab:attach(name, { pid = N } | { docker = "name-or-id" }): name the
-- network namespace of a running process or container (as `ip netns
-- attach`, a bind mount).  Teardown removes the name (and the links made in
-- it), never the process or the container.
function Lab:attach(name, opts)
  arg(type(opts) == "table" and (math.type(opts.pid) == "integer" or type(opts.docker) == "string"),
    2, "attach", "{ pid = N } or { docker = name } expected")
  local c
  if opts.docker and not self.dry then
    local msg
    c, msg = self:docker():inspect(opts.docker)
    if not c then fail(msg) end
    if not c.running then fail(("container %s is not running"):format(opts.docker)) end
  end
  local node = claim(self, name, "attach", "attach",
    function(nsname) return self.sys.attach(nsname, c and c.pid or opts.pid) end)
  node.role, node.owned, node.pid = "attached", false, c and c.pid or opts.pid
  node.known = {}
  if c then
    node.container = { id = c.id, name = c.name, adopted = true, where = util.where() }
    node.ns:whole(true)
  end
  return node
end

-- lab:container(name, { image =, cmd = {...}, env = { KEY = "value" },
-- role = "host"|"router" }): a Docker container with no network (like
-- `docker run --net=none`), started, its network namespace attached as
-- /run/netns/NAME; from then on a node like any other.  Commands run in all
-- the container's namespaces.  Teardown removes the container.
function Lab:container(name, opts)
  arg(type(opts) == "table" and type(opts.image) == "string", 2, "container",
    "{ image = ... } expected")
  local cmd = opts.cmd
  if type(cmd) == "string" then cmd = util.split(cmd) end
  arg(cmd == nil or type(cmd) == "table", 2, "container", "cmd must be a table or a string")
  local env = {}
  for k, v in pairs(opts.env or {}) do
    env[#env + 1] = math.type(k) == "integer" and tostring(v) or (k .. "=" .. tostring(v))
  end
  table.sort(env)
  local id, pid
  local node = claim(self, name, "attach", "container", function(nsname)
    if self.dry then return self.sys.create(nsname) end
    local docker = self:docker()
    local record = "container " .. nsname
    id = journaled(self, record, docker.create, docker, nsname, opts.image, cmd or {}, env, self.name)
    local ok, msg, code = docker:start(id)
    local c
    if ok then c, msg, code = docker:inspect(id) end
    if c and not c.running then
      c, msg, code = nil, ("container %s exited before it could be attached"):format(nsname), 3
    end
    local ns
    if c then
      ns, msg, code = self.sys.attach(nsname, c.pid)
      if code == 3 then msg = ("container %s exited before it could be attached"):format(nsname) end
    end
    if not ns then
      docker:remove(id)
      self.journal:undo(record)
      return nil, msg, code
    end
    ns:whole(true)
    pid = c.pid
    return ns
  end)
  node.role, node.owned, node.known, node.pid = opts.role or "host", false, {}, pid
  node.container = { id = id, name = node.nsname, where = util.where() }
  node:forwarding(node.role == "router")
  return node
end

-- IPv4 forwarding of one interface of a namespace nsrun made: the kernel
-- decides by the ingress device's flag (net.ipv4.conf.IF.forwarding), set
-- over netlink where the device did not start with the value wanted (new
-- devices copy net.ipv4.conf.default.forwarding).  No /proc/sys write: those
-- get slower with every namespace on the machine (DESIGN.md).
local function fwd_change(node, ifname)
  if not node.owned or node.forwards == nil then return nil end
  local want = node.forwards and "1" or "0"
  node.devfwd = node.devfwd or {}
  local has = node.devfwd[ifname] or node.known["net.ipv4.conf.default.forwarding"]
  node.devfwd[ifname] = want
  if has ~= want then return node.forwards end
end

local function dev_forwarding(node, ifname)
  local f = fwd_change(node, ifname)
  if f ~= nil then check(node.ns:set(ifname, { forwarding = f })) end
end

-- What a new veth end in node gets with its link-up request: its IPv4
-- forwarding flag where it must differ, and no IPv6 link-local address in
-- a lab made with { linklocal = false }.  nil: nothing.
local function end_settings(lab, node, ifname, port)
  local t
  if not port then
    local f = fwd_change(node, ifname)
    if f ~= nil then t = { forwarding = f } end
  end
  if lab.linklocal == false and node.owned then
    t = t or {}
    t.linklocal = false
  end
  return t
end

-- lab:bridge(name [, { node = n, stp = bool, vlan_filtering = bool,
-- mtu = n }]) -> a Linux bridge, in the host's namespace unless a node is
-- given; spanning tree (for loops of bridges) and VLAN awareness (see
-- bridge:vlan) when asked.
local BRIDGE_OPTS = { node = true, stp = true, vlan_filtering = true, mtu = true }

function Lab:bridge(name, opts)
  alive(self)
  util.string_arg(name, 1, "bridge")
  arg(opts == nil or type(opts) == "table", 2, "bridge", "table expected")
  for k in pairs(opts or {}) do
    arg(BRIDGE_OPTS[k], 2, "bridge", ("unknown option %q"):format(tostring(k)))
  end
  local node = opts and opts.node or self.root
  arg(getmetatable(node) == Node and node.lab == self, 2, "bridge", "node must be a node of this lab")
  -- in a namespace shared with others (the host's), the lab's prefix keeps
  -- copies of one scenario apart
  if not node.owned then name = self.prefix .. name end
  local why = core.ifname_invalid(name)
  if why then fail(("bridge %q: name %s"):format(name, why)) end
  if node.ifaces[name] then fail(("interface %s exists already in %s"):format(name, node.name)) end
  if not node.owned and node.ns:ifindex(name) then
    collide(self, taken(self, ("interface %s in %s"):format(name, node.name), "link", node.nsname, name))
  end
  journaled(self, not node.owned and ("link %s %s"):format(node.nsname, name) or nil,
    node.ns.bridge, node.ns, name, opts and { stp = opts.stp,
      vlan_filtering = opts.vlan_filtering, mtu = opts.mtu })
  local br = setmetatable({ lab = self, node = node, name = name, ports = {},
    stp = opts and opts.stp, vlan_filtering = opts and opts.vlan_filtering }, Bridge)
  node.ifaces[name] = br
  dev_forwarding(node, name)
  self.bridges[#self.bridges + 1] = br
  return br
end

-- The first free ethN: node.eth is where to look from (every name below
-- it is taken), so a node's links do not each scan all its names.
local function next_ifname(node)
  local n = node.eth or 0
  while node.ifaces["eth" .. n] do n = n + 1 end
  node.eth = n
  return "eth" .. n
end

-- The name of a bridge's port for the other end: laptop_eth1, as the
-- tutorial names it; s1_s2 toward another bridge; <bridge>p<N> when that
-- is too long.
local function port_name(br, other, ifname)
  local name = getmetatable(other) == Bridge and br.name .. "_" .. other.name   -- s1_s2
    or (br.node.owned and other.name or other.nsname) .. "_" .. ifname
  if #name <= 15 and not br.node.ifaces[name] then return name end
  local n = #br.ports + 1
  repeat name = br.name:sub(1, 10) .. "p" .. n; n = n + 1 until not br.node.ifaces[name]
  return name
end

-- An end's interface name: valid, free in the lab, and free in a namespace
-- the lab does not own.
local function check_end(lab, node, ifname)
  local why = core.ifname_invalid(ifname)
  if why then fail(("interface %q in %s: name %s"):format(ifname, node.name, why)) end
  if node.ifaces[ifname] then fail(("interface %s exists already in %s"):format(ifname, node.name)) end
  if not node.owned and node.ns:ifindex(ifname) then
    collide(lab, taken(lab, ("interface %s in %s"):format(ifname, node.name), "link", node.nsname, ifname))
  end
end

local function is_end(v) return getmetatable(v) == Node or getmetatable(v) == Bridge end

-- lab:link(a, [ifa,] b, [ifb,] [opts]) -> a veth pair between two nodes,
-- or a node and a bridge.  Names left out are chosen: eth0, eth1, ...
-- on nodes, <node>_<ifname> on bridges.  opts: { mtu = n } and
-- impairments (nsrun.impair: delay, jitter, loss, ..., rate) on both ends.
function Lab:link(...)
  alive(self)
  local a, ifa, b, ifb, opts
  local args, i = table.pack(...), 1
  a = args[i]; i = i + 1
  if not is_end(a) then arg(false, 1, "link", "node or bridge expected, got " .. util.typename(a)) end
  if type(args[i]) == "string" then ifa = args[i]; i = i + 1 end
  b = args[i]
  if not is_end(b) then arg(false, i, "link", "node or bridge expected, got " .. util.typename(b)) end
  i = i + 1
  if type(args[i]) == "string" then ifb = args[i]; i = i + 1 end
  opts = args[i]
  arg(opts == nil or type(opts) == "table", i, "link", "table expected")
  opts = opts or {}
  for k in pairs(opts) do
    arg(k == "mtu" or impair.IS_KEY[k], i, "link", ("unknown option %q"):format(tostring(k)))
  end
  local impairments = impair.pick(opts)
  if impairments then check(impair.parse(impairments)) end  -- before anything is made
  -- a bridge is b; two bridges (switch to switch): a port on each
  local bra
  if getmetatable(a) == Bridge and getmetatable(b) == Bridge then
    if a == b then fail(("link %s -- %s: a bridge to itself"):format(a.name, b.name)) end
    bra = a
  elseif getmetatable(a) == Bridge then
    a, ifa, b, ifb = b, ifb, a, ifa
  end
  if b.lab ~= self or a.lab ~= self then fail("link: both ends must belong to this lab") end
  local na, nb = bra and bra.node or a, getmetatable(b) == Bridge and b.node or b
  if bra then
    ifa = ifa or port_name(bra, b)
    na.ifaces[ifa] = na.ifaces[ifa] or true   -- taken, while b's port is named
    ifb = ifb or port_name(b, bra)
    if na.ifaces[ifa] == true then na.ifaces[ifa] = nil end
  else
    ifa = ifa or next_ifname(na)
    if getmetatable(b) == Bridge then ifb = ifb or port_name(b, a, ifa)
    elseif not ifb then
      ifb = next_ifname(nb)
      if na == nb and ifb == ifa then  -- a link to itself needs two names
        na.ifaces[ifa] = true
        ifb = next_ifname(nb)
        na.ifaces[ifa] = nil
      end
    end
  end
  if na == nb and ifa == ifb then fail(("link %s: both ends are %s"):format(na.name, ifa)) end
  check_end(self, na, ifa)
  check_end(self, nb, ifb)
  -- Deleting either end of a veth deletes both: record one end that lives
  -- in a namespace this lab does not own, if there is one.
  local record
  if not na.owned then record = ("link %s %s"):format(na.nsname, ifa)
  elseif not nb.owned then record = ("link %s %s"):format(nb.nsname, ifb) end
  journaled(self, record, na.ns.veth, na.ns, ifa, nb.ns, ifb, end_settings(self, na, ifa, bra),
    end_settings(self, nb, ifb, getmetatable(b) == Bridge))
  local link = setmetatable({ lab = self, a = { node = na, name = ifa },
    b = { node = nb, name = ifb }, bridge = getmetatable(b) == Bridge and b or nil,
    bridge_a = bra }, Link)
  na.ifaces[ifa] = link
  nb.ifaces[ifb] = link
  self.links[#self.links + 1] = link
  progress.build(self)
  if bra then
    check(na.ns:set(ifa, { master = bra.name }))
    bra.ports[#bra.ports + 1] = ifa
  end
  if link.bridge then
    check(nb.ns:set(ifb, { master = b.name }))
    b.ports[#b.ports + 1] = ifb
  end
  if opts.mtu then link:set { mtu = opts.mtu } end
  if impairments then link:impair(impairments) end
  return link
end

-- lab:all([role]) -> the lab's nodes in the order they were made (lab.nodes
-- maps names to nodes).
function Lab:all(role)
  local t = {}
  for _, n in ipairs(self.order) do
    if role == nil or n.role == role then t[#t + 1] = n end
  end
  return t
end

-- lab:containers_running() -> true, or nil and why: the first container
-- node whose process has ended since it was attached.  Its namespace lives
-- on (nsrun's mount holds it) but the container does not: nothing runs
-- there and `docker exec` fails.  nsrun asks when a script ends, before it
-- calls the lab up.
function Lab:containers_running()
  if self.dry or self.destroyed then return true end
  for _, node in ipairs(self.order) do
    local c = node.container
    if c and node.ns:running() == false then
      return nil, ("%scontainer %s exited while lab %s was built (a container node's "
        .. "command must keep running)"):format(c.where or "", c.name, self.name)
    end
  end
  return true
end

function Lab:summary()
  return { nodes = #self.order, links = #self.links, bridges = #self.bridges,
    addresses = self.counts.addresses, routes = self.counts.routes,
    seconds = core.now() - self.started, times = self.times }
end

-- Generators (nsrun.gen): lab:leafspine{...}, lab:fattree(k), lab:linear(n),
-- lab:ring(n), lab:mesh(n), lab:star(n), lab:tree(depth, fanout).
for _, g in ipairs { "leafspine", "fattree", "linear", "ring", "mesh", "star", "tree" } do
  Lab[g] = function(self, ...)
    alive(self)
    return require("nsrun.gen")[g](self, ...)
  end
end

-- lab:autoaddr([opts]): address every interface the script left without
-- one (see nsrun.ipam): /31s between routers, a subnet per host segment,
-- a loopback /32 per router.  opts: p2p, segments, segment_len, loopbacks
-- (pools, or false), ipv6 (a /96 for dual stack, e.g. "fd00::/96").
function Lab:autoaddr(opts)
  alive(self)
  arg(opts == nil or type(opts) == "table", 1, "autoaddr", "table expected")
  self.times.build = self.times.build or core.now() - self.started
  progress.clear(self)
  local plan = timed(self, "addresses", function() return require("nsrun.ipam").plan(self, opts, fail) end)
  self.ipv6 = opts and opts.ipv6 or self.ipv6
  -- each node's addresses in one batch: windows of requests, not one each
  timed(self, "addresses", function()
    local of, nodes, done = {}, {}, 0
    for _, a in ipairs(plan) do
      local list = of[a.node]
      if not list then list = {}; of[a.node] = list; nodes[#nodes + 1] = a.node end
      list[#list + 1] = a
    end
    for _, node in ipairs(nodes) do
      check(node.ns:addr_batch(of[node]))
      for _, a in ipairs(of[node]) do added(node, a.ifname, a.cidr, a.n, a.len) end
      done = done + #of[node]
      progress.update(self, "addresses", done, #plan)
    end
  end)
  progress.clear(self)
  return plan
end

-- lab:autoroute([opts]): static routes from the graph (see nsrun.routing):
-- shortest paths, ECMP where they tie, aggregated; hosts default to their
-- gateway.  Routers with ECMP get loose reverse-path filtering; the
-- host-wide neighbour table is checked first.  opts.aggregate = false
-- keeps one route per destination.
function Lab:autoroute(opts)
  alive(self)
  arg(opts == nil or type(opts) == "table", 1, "autoroute", "table expected")
  self.times.build = self.times.build or core.now() - self.started
  if self.plan then return {} end   -- the pre-flight pass: routes name nothing
  self:neighbours()
  local plan, compiled = timed(self, "routes", function() return require("nsrun.routing").plan(self, opts) end)
  local ipam = require "nsrun.ipam"
  local p6 = self.ipv6 and self.ipv6:match("^(.-)/")
  local function v6(addr)
    local ip4 = require "nsrun.ip4"
    local n, len = ip4.parse(addr)
    return ipam.map6(p6, n, len):gsub("/128$", "")
  end
  local res, via6 = compiled.res, nil
  if p6 then
    via6 = {}
    for e, v in ipairs(compiled.via) do via6[e] = v6(v) end
  end
  -- A route's IPv6 twin (dual stack): the same next hops' IPv6 addresses.
  local function twin(r)
    local hops = {}
    for i, h in ipairs(r.nexthops) do hops[i] = { via = v6(h.via), dev = h.dev } end
    return { dst = r.dst == "default" and "default" or v6(r.dst), nexthops = hops }
  end
  local function installed(a, b, code)
    if not a then fail(b, code) end
    return a, b
  end
  -- A router's routes go from the computation's result straight to the
  -- kernel (res:install, no table per route), in windows of requests.
  local function router_routes(node, i)
    local n, widest
    if self.dry then   -- as tables, for the dry backend (and what records it)
      local list, twins = plan[node], {}
      n, widest = #list, 0
      for j, r in ipairs(list) do
        widest = math.max(widest, #r.nexthops)
        if p6 then twins[j] = twin(r) end
      end
      check(node.ns:route_batch(list))
      if p6 then check(node.ns:route_batch(twins)) end
    else   -- res:install -> routes, widest | nil, message, errno
      n, widest = installed(res:install(i, node.ns))
      if p6 then installed(res:install(i, node.ns, p6, via6)) end
    end
    self.counts.routes = self.counts.routes + n * (p6 and 2 or 1)
    -- with ECMP, loose reverse-path filtering
    if n > 1 or widest > 1 then
      for _, key in ipairs { "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter" } do
        if node.known[key] == "1" then node:ensure(key, "2") end
      end
    end
  end
  -- Hosts' (and plain nodes') default routes, unless they have one.
  local function default_route(node, routes)
    for _, r in ipairs(node.routes) do if r.dst == "default" and not r.table then return end end
    local batch = {}
    for _, r in ipairs(routes) do
      batch[#batch + 1] = r
      if p6 then batch[#batch + 1] = twin(r) end
    end
    check(node.ns:route_batch(batch))
    table.move(batch, 1, #batch, #node.routes + 1, node.routes)
    self.counts.routes = self.counts.routes + #batch
  end
  timed(self, "routes", function()
    for _, node in ipairs(self.order) do
      local i = compiled.routers[node]
      if i then router_routes(node, i)
      elseif rawget(plan, node) then default_route(node, plan[node]) end
      progress.update(self, "routes", self.counts.routes)
    end
  end)
  progress.clear(self)
  return plan
end

-- lab:static_arp() -> n: permanent neighbour entries (ARP for IPv4, NDP for
-- IPv6) between every two addressed interfaces of each segment, as
-- Mininet's --arp (staticArp) makes: no address is resolved on the wire.
-- After the addresses; returns how many entries it made.
function Lab:static_arp()
  alive(self)
  if self.plan or self.dry then return 0 end
  self:neighbours()
  local l2 = require "nsrun.l2"
  local has = {}   -- has[node][ifname] = { "192.0.2.1", ... }
  for _, node in ipairs(self.order) do
    for _, a in ipairs(node.addrs) do
      local list = l2.get(has, node, a.ifname)
      if not list then list = {}; l2.put(has, node, a.ifname, list) end
      list[#list + 1] = a.cidr:match("^[^/]+")
    end
  end
  local macs = {}  -- macs[node][ifname], read once per node
  local function mac(node, ifname)
    if not macs[node] then
      macs[node] = {}
      for _, l in ipairs(check(node.ns:links())) do macs[node][l.name] = l.mac end
    end
    return macs[node][ifname]
  end
  local n = 0
  for _, seg in ipairs(l2.segments(self)) do
    local members = {}
    for _, i in ipairs(seg.ifs) do
      local list = l2.get(has, i.node, i.ifname)
      if list and not i.port then
        members[#members + 1] = { node = i.node, ifname = i.ifname, addrs = list, mac = mac(i.node, i.ifname) }
      end
    end
    for _, x in ipairs(members) do
      for _, y in ipairs(members) do
        if x.node ~= y.node and y.mac then
          for _, a in ipairs(y.addrs) do
            check(x.node.ns:neigh(x.ifname, a, y.mac))
            n = n + 1
          end
        end
      end
    end
  end
  return n
end

-- Keep what the host had before the first lab raised a host-wide setting,
-- in the state directory's host-sysctls ("KEY VALUE" lines): destroying the
-- last lab puts those values back (core/lab.c).  A lab that raises them
-- again while others are up finds the first values kept already.
local function save_host_sysctls(lab, base, old)
  local path = lab.journal:dir():match("^(.*)/[^/]+$") .. "/host-sysctls"
  local f = io.open(path, "r")
  local kept = f and f:read("a") or ""
  if f then f:close() end
  if kept:find(base, 1, true) then return end
  f = check(io.open(path, "a"))
  for i = 1, 3 do
    if tonumber(old[i]) then f:write(base, i, " ", old[i], "\n") end
  end
  f:close()
end

-- lab:neighbours(): the kernel's neighbour table is one for all namespaces
-- (net.ipv4/ipv6.neigh.default.gc_thresh1/2/3, 128/512/1024 by default); a
-- lab with more entries than that loses pings everywhere.  Raise them, in
-- the host, when this lab needs more, and say so.
function Lab:neighbours()
  -- asked again (each check asks) only once the lab has grown
  if self.dry or self.neighbours_for == #self.links then return end
  self.neighbours_for = #self.links
  -- every end of a veth pair learns its peer; every member of a bridged
  -- segment (not the ports) may learn every other
  local need = 0
  for _, seg in ipairs(require("nsrun.l2").segments(self)) do
    local m = 0
    for _, i in ipairs(seg.ifs) do if not i.port then m = m + 1 end end
    need = need + m * (m - 1)
  end
  need = need * 2   -- room for other labs and the host
  local raised = {}
  for _, fam in ipairs { "ipv4", "ipv6" } do
    local base = "net." .. fam .. ".neigh.default.gc_thresh"
    -- only the initial namespace has them: run elsewhere (unshare -n),
    -- nsrun cannot see or raise them
    local t3 = self.root.ns:sysctl(base .. "3")
    if not t3 then return end
    t3 = tonumber(t3) or 0
    if t3 < need then
      local want = { need // 4, need // 2, need }
      local old = {}
      for i = 1, 3 do old[i] = self.root.ns:sysctl(base .. i) or "?" end
      save_host_sysctls(self, base, old)
      for i = 1, 3 do
        if (tonumber(old[i]) or 0) < want[i] then check(self.root.ns:sysctl(base .. i, tostring(want[i]))) end
      end
      raised[#raised + 1] = ("net.%s from %s"):format(fam, table.concat(old, "/"))
      raised.want = ("%d/%d/%d"):format(want[1], want[2], want[3])
    end
  end
  if #raised > 0 then
    io.stderr:write(("nsrun: lab %s needs ~%d neighbour entries: raised the neighbour table "
      .. "limits neigh.default.gc_thresh1/2/3 to %s (%s; host-wide, until the last lab is destroyed)\n")
      :format(self.name, need // 2, raised.want, table.concat(raised, ", ")))
  end
end

-- lab:expect(a):reaches(b) / :does_not_reach(b): see nsrun.expect.
-- a and b may be nodes or lists of nodes (every pair), b an address.
function Lab:expect(a)
  alive(self)
  self:neighbours()
  return require("nsrun.expect").new(self, a)
end

-- lab:ping(a, b) -> true, rtt_ms | false, reason: does node a reach node b
-- (its first address) or an address?  One echo, retried (native prober).
function Lab:ping(a, b)
  alive(self)
  arg(getmetatable(a) == Node, 1, "ping", "node expected")
  if self.plan then return true, 0 end
  self:neighbours()
  if self.dry then fail("a dry lab sends no packet") end
  return require("nsrun.ping").ping(a, b)
end

-- lab:pingall([nodes] [, { sample = n }]) -> { ok =, pairs =, failed =
-- { {src=, dst=, addr=} } }: every node to every other (default: the hosts,
-- else all nodes), or n sampled pairs.
function Lab:pingall(nodes, opts)
  alive(self)
  if opts == nil and type(nodes) == "table" and getmetatable(nodes) == nil and nodes[1] == nil then
    nodes, opts = nil, nodes
  end
  nodes = nodes or (#self:all("host") > 0 and self:all("host") or self.order)
  if self.plan then return { ok = true, pairs = 0, failed = {} } end
  if self.dry then fail("a dry lab sends no packet") end
  self:neighbours()
  return timed(self, "check", function() return require("nsrun.ping").pingall(nodes, opts) end)
end

-- lab:model() -> the lab as data: its nodes (name, namespace, role, tier
-- and pod when a generator made them, container, addresses the script or
-- autoaddr gave, impairments), links and bridges.  What `nsrun inspect`
-- and `nsrun graph` read, saved as /run/nsrun/LAB/topology.json.
function Lab:model()
  local nodes, links, bridges = {}, {}, {}
  for i, n in ipairs(self.order) do
    local addrs = {}
    for j, a in ipairs(n.addrs) do addrs[j] = { ifname = a.ifname, cidr = a.cidr } end
    local devs
    for j, d in ipairs(n.devs or {}) do
      devs = devs or {}
      devs[j] = { name = d.name, type = d.type, link = d.link, id = d.id,
        master = n.masters and n.masters[d.name] }
    end
    nodes[i] = { name = n.name, ns = n.nsname, role = n.role, tier = n.tier, pod = n.pod,
      pid = n.pid, container = n.container, addrs = addrs, impair = n.impairments,
      devs = devs, rules = n.rules }
  end
  for i, l in ipairs(self.links) do
    links[i] = { a = l.a.node.name, ifa = l.a.name, b = l.b.node.name, ifb = l.b.name,
      bridge = l.bridge and l.bridge.name or nil, bridge_a = l.bridge_a and l.bridge_a.name or nil }
  end
  for i, br in ipairs(self.bridges) do
    bridges[i] = { name = br.name, node = br.node.name, ports = br.ports, stp = br.stp,
      vlan_filtering = br.vlan_filtering, vlans = br.vlans }
  end
  local procs = {}
  for i, p in ipairs(self.procs) do procs[i] = { pid = p.pid, node = p.node.name, cmd = p.cmd } end
  return { lab = self.name, prefix = self.prefix, nodes = nodes, links = links, bridges = bridges,
    procs = procs }
end

-- lab:save(): write lab:model() to /run/nsrun/LAB/topology.json (the
-- interpreter does this when a script ends; a dry lab has no file).
function Lab:save()
  if self.dry or self.destroyed then return self end
  local path = self.journal:dir() .. "/topology.json"
  local f = check(io.open(path .. ".new", "w"))
  f:write(require("nsrun.json").encode(self:model()), "\n")
  f:close()
  check(os.rename(path .. ".new", path))
  return self
end

-- lab:destroy(): remove everything the lab made (its journal says what).
function Lab:destroy()
  if not self.destroyed then
    self.destroyed = true
    for _, n in ipairs(self.order) do n.ns:close() end  -- open fds keep namespaces alive
    if self.engine then self.engine:close() end
    self.root.ns:close()
    self.journal:close()
  elseif self.gone then
    return true
  end
  local ok, msg, code, problems = self.sys.lab_destroy(self.name)
  self.gone = ok or code == 2
  return ok, msg, code, problems
end
Lab.__close = function(self) self:destroy() end

---------------------------------------------------------------- nodes

function Node:__tostring()
  return ("node %s (%s)"):format(self.name, self.role)
end

local function node_arg(self, fname)
  arg(getmetatable(self) == Node, 1, fname, "node expected (use node:" .. fname .. ")")
  alive(self.lab)
end

-- What the lab keeps of an address it put on node (with n, len when
-- ipam chose it: the IPv4 address as an integer and its length): the first
-- IPv6 one turns IPv6 forwarding on in a router.
function added(node, ifname, cidr, n, len)
  node.addrs[#node.addrs + 1] = { ifname = ifname, cidr = cidr, n = n, len = len }
  if not node.ipv6 and cidr:find(":", 1, true) then
    node.ipv6 = true
    if node.owned and node.forwards then node:ensure(FORWARDING[2], "1") end
  end
  node.lab.counts.addresses = node.lab.counts.addresses + 1
end

-- node:addr(ifname, "192.0.2.1/24")
function Node:addr(ifname, cidr)
  node_arg(self, "addr")
  util.string_arg(ifname, 1, "addr")
  util.string_arg(cidr, 2, "addr")
  check(self.ns:addr(ifname, cidr))
  added(self, ifname, cidr)
  return self
end

-- The next hops of a route spec:
--   { via = "192.0.2.1" }, { dev = "eth0" }, { via = ..., dev = ... },
--   { nexthops = { { via = ... }, { via = ..., weight = 2 }, ... } },
--   or an array of gateway addresses (ECMP)
local function nexthops(spec)
  if type(spec) == "string" then return { { via = spec } } end
  if spec.nexthops then return spec.nexthops end
  if spec[1] then
    local t = {}
    for i, v in ipairs(spec) do t[i] = type(v) == "table" and v or { via = v } end
    return t
  end
  return { { via = spec.via, dev = spec.dev, weight = spec.weight } }
end

-- The routing table of route or rule options o: o.table, or the table of
-- the VRF o.vrf (a device node:dev made); nil for main.
local function table_of(node, o, fname)
  if o.vrf == nil then return o.table end
  if o.table ~= nil then fail(("%s in %s: table or vrf, not both"):format(fname, node.name)) end
  local d = node.ifaces[o.vrf]
  local t = type(d) == "table" and d.type == "vrf" and d.id
  if not t then fail(("%s in %s: no vrf %s (node:dev(name, { type = \"vrf\", table = n }) makes one)")
    :format(fname, node.name, tostring(o.vrf))) end
  return t
end

-- node:route("198.51.100.0/24", { via = "192.0.2.1" } [, { metric = n,
-- table = n | vrf = name }])
-- node:route("default", { "10.0.0.0", "10.0.0.2" })   -- ECMP
function Node:route(dst, spec, opts)
  node_arg(self, "route")
  util.string_arg(dst, 1, "route")
  arg(type(spec) == "table" or type(spec) == "string", 2, "route",
    "{ via = addr } or { dev = ifname } or { nexthops = {...} } expected")
  arg(opts == nil or type(opts) == "table", 3, "route", "table expected")
  local nh = nexthops(spec)
  arg(#nh > 0, 2, "route", "no next hop")
  local o = opts or type(spec) == "table" and spec or {}
  local t = table_of(self, o, "route " .. dst)
  check(self.ns:route(dst, nh, { metric = o.metric, replace = o.replace, table = t }))
  self.routes[#self.routes + 1] = { dst = dst, nexthops = nh, table = t }
  self.lab.counts.routes = self.lab.counts.routes + 1
  return self
end

-- node:route_batch { { dst = "198.51.100.0/24", via = "192.0.2.1" },
--   { dst = "default", nexthops = {...}, metric = n }, ... } -> node: many
-- routes at once, sent in windows of requests rather than one request
-- each (route() is the same for one).  An error names its route.
function Node:route_batch(list)
  node_arg(self, "route_batch")
  arg(type(list) == "table", 1, "route_batch", "table of routes expected")
  local batch = {}
  for i, r in ipairs(list) do
    arg(type(r) == "table" and type(r.dst) == "string", 1, "route_batch",
      ("route %d: { dst = prefix, via = | dev = | nexthops = } expected"):format(i))
    local nh = nexthops(r)
    arg(#nh > 0, 1, "route_batch", ("route %d (%s): no next hop"):format(i, r.dst))
    batch[i] = { dst = r.dst, nexthops = nh, metric = r.metric, replace = r.replace,
      table = table_of(self, r, "route " .. r.dst) }
  end
  check(self.ns:route_batch(batch))
  for _, r in ipairs(batch) do
    self.routes[#self.routes + 1] = { dst = r.dst, nexthops = r.nexthops, table = r.table }
  end
  self.lab.counts.routes = self.lab.counts.routes + #batch
  return self
end

-- node:dev(name, { type = TYPE, ... }) -> node: a virtual device in the
-- node, up: `ip link add NAME [link L] type TYPE ...`.  By type (core/dev.h):
--   dummy   {}
--   vlan    { link = "eth0", id = 10 [, protocol = "802.1ad"] }
--   vrf     { table = 10 }
--   bond    { mode = "802.3ad", miimon =, xmit_hash_policy =, lacp_rate = }
--   vxlan   { id = VNI, remote = addr | group = addr, local =, dev =, dstport =, learning = }
--   macvlan { link = "eth0", mode = "bridge" }
-- and for any: master = (a bridge, bond or vrf to join), mtu =, members =
-- { ifname, ... } (interfaces it takes as their master: a bond's ports, a
-- VRF's interfaces).  Bridges are lab:bridge's (ports, VLANs, autoaddr).
local DEV_TYPES = { dummy = true, vlan = true, vrf = true, bond = true, vxlan = true, macvlan = true }

-- Modules that make a device of their own in the host's namespace when the
-- kernel loads them for a first device (bond0, dummy0): loaded first, as
-- modprobe PARAM=0 does, so that the host's `ip link` stays as it was.
local QUIET_MODULE = { bond = { "bonding", "max_bonds=0" }, dummy = { "dummy", "numdummies=0" } }

local function load_quietly(lab, devtype)
  local m = QUIET_MODULE[devtype]
  if not m or lab.dry then return end
  local f = io.open("/sys/module/" .. m[1])   -- loaded already, or built in
  if f then f:close() return end
  lab.root.ns:run { "modprobe", "-q", m[1], m[2] }   -- if it fails, the kernel's error says why
end

function Node:dev(name, opts)
  node_arg(self, "dev")
  util.string_arg(name, 1, "dev")
  arg(type(opts) == "table" and type(opts.type) == "string", 2, "dev", "{ type = ... } expected")
  if opts.type == "bridge" then
    fail(("dev %s in %s: a bridge is lab:bridge(%q, { node = ... })"):format(name, self.name, name))
  end
  if opts.type == "vrf" and self == self.lab.root then
    -- the kernel's l3mdev rule for VRFs would stay in the host after teardown
    fail(("dev %s in the host's namespace: a VRF belongs in a node of the lab"):format(name))
  end
  if not DEV_TYPES[opts.type] then
    fail(("dev %s in %s: type %q is not one of dummy, vlan, vrf, bond, vxlan, macvlan")
      :format(name, self.name, opts.type))
  end
  local members = opts.members
  arg(members == nil or type(members) == "table", 2, "dev", "members must be a list of interface names")
  check_end(self.lab, self, name)
  load_quietly(self.lab, opts.type)
  local o = {}
  for k, v in pairs(opts) do if k ~= "members" then o[k] = v end end
  journaled(self.lab, not self.owned and ("link %s %s"):format(self.nsname, name) or nil,
    self.ns.dev, self.ns, name, o)
  local d = { node = self, name = name, type = opts.type, link = opts.link or opts.dev,
    id = opts.id or opts.table }   -- id: a vlan's, a VNI, a VRF's table
  self.ifaces[name] = d
  self.devs = self.devs or {}
  self.devs[#self.devs + 1] = d
  if opts.master then
    self.masters = self.masters or {}
    self.masters[name] = opts.master
  end
  dev_forwarding(self, name)
  for _, m in ipairs(members or {}) do
    -- a bond takes only ports that are down, and brings them up itself
    if opts.type == "bond" then self:set(m, { up = false }) end
    self:set(m, { master = name })
  end
  return self
end

-- node:vlan(link, id [, { name =, protocol =, master =, mtu = }]) -> node:
-- the 802.1Q subinterface LINK.ID (`ip link add link eth0 name eth0.10
-- type vlan id 10`).
function Node:vlan(link, id, opts)
  node_arg(self, "vlan")
  util.string_arg(link, 1, "vlan")
  arg(math.type(id) == "integer", 2, "vlan", "vlan id (an integer) expected")
  arg(opts == nil or type(opts) == "table", 3, "vlan", "table expected")
  opts = opts or {}
  return self:dev(opts.name or ("%s.%d"):format(link, id), { type = "vlan", link = link,
    id = id, protocol = opts.protocol, master = opts.master, mtu = opts.mtu })
end

-- node:neigh(ifname, addr, mac) -> node: a permanent neighbour entry (`ip
-- neigh replace ADDR lladdr MAC nud permanent dev IFNAME`).
function Node:neigh(ifname, addr, mac)
  node_arg(self, "neigh")
  util.string_arg(ifname, 1, "neigh")
  util.string_arg(addr, 2, "neigh")
  util.string_arg(mac, 3, "neigh")
  check(self.ns:neigh(ifname, addr, mac))
  return self
end

-- node:rule{ from =, to =, iif =, oif =, fwmark =, priority =, table = n |
-- vrf = name [, family = 6] } -> node: a policy routing rule (`ip rule
-- add ...`).
function Node:rule(opts)
  node_arg(self, "rule")
  arg(type(opts) == "table", 1, "rule", "table expected")
  -- a rule belongs to no device: in a namespace the lab does not own,
  -- teardown (which deletes namespaces and links) would leave it there
  if not self.owned then
    fail(("rule in %s: rules belong in the lab's own nodes (teardown could not remove it here)")
      :format(self.name))
  end
  local t = table_of(self, opts, "rule")
  arg(t ~= nil, 1, "rule", "table = n or vrf = name expected")
  check(self.ns:rule { from = opts.from, to = opts.to, iif = opts.iif, oif = opts.oif,
    fwmark = opts.fwmark, priority = opts.priority, table = t, family = opts.family })
  self.rules = self.rules or {}
  self.rules[#self.rules + 1] = { from = opts.from, to = opts.to, iif = opts.iif,
    oif = opts.oif, fwmark = opts.fwmark, priority = opts.priority, table = t,
    family = opts.family }
  return self
end

-- node:set(ifname, { up = bool, mtu = n, mac = "..", master = name|false, name = new })
function Node:set(ifname, opts)
  node_arg(self, "set")
  util.string_arg(ifname, 1, "set")
  arg(type(opts) == "table", 2, "set", "table expected")
  check(self.ns:set(ifname, opts))
  if opts.master ~= nil then   -- for the model, and autoaddr (a bond's ports: no address)
    self.masters = self.masters or {}
    self.masters[ifname] = opts.master or nil
  end
  if opts.name and opts.name ~= ifname then
    self.ifaces[opts.name], self.ifaces[ifname] = self.ifaces[ifname], nil
    self.eth = nil   -- the old name is free: look for ethN from eth0 again
  end
  return self
end

function Node:up(ifname) return self:set(ifname, { up = true }) end
function Node:down(ifname) return self:set(ifname, { up = false }) end

-- node:impair(ifname, { delay = "10ms", jitter =, loss = "1%", duplicate =,
-- reorder =, corrupt =, rate = "10mbit", limit = }) -> node: exactly these
-- impairments on the interface's egress (netem, tbf), replacing any; nil or
-- {} removes them.  Any time while the lab runs.
function Node:impair(ifname, opts)
  node_arg(self, "impair")
  util.string_arg(ifname, 1, "impair")
  arg(opts == nil or type(opts) == "table", 2, "impair", "table expected")
  local spec, why = impair.parse(opts or {})
  if not spec then fail(("impair %s in %s: %s"):format(ifname, self.name, why)) end
  check(self.ns:impair(ifname, spec))
  self.impairments = self.impairments or {}
  self.impairments[ifname] = next(spec) and spec or nil
  return self
end

-- node:impairment(ifname) -> what the kernel has on the interface:
-- { kind = "netem"|"tbf"|"tbf+netem"|"none", delay_us =, loss =, rate =, ... }
function Node:impairment(ifname)
  node_arg(self, "impairment")
  util.string_arg(ifname, 1, "impairment")
  return check(self.ns:impairment(ifname))
end

-- node:sysctl(key) -> value; node:sysctl(key, value)
function Node:sysctl(key, value)
  node_arg(self, "sysctl")
  util.string_arg(key, 1, "sysctl")
  if value == nil then return check(self.ns:sysctl(key)) end
  check(self.ns:sysctl(key, tostring(value)))
  self.known[key] = tostring(value)
  return self
end

-- node:forwarding(on): IPv4 and IPv6 forwarding.  In namespaces nsrun made,
-- IPv4 per interface (also those linked later), IPv6 (net.ipv6.conf.all,
-- one sysctl write) once the node has an IPv6 address; elsewhere (attached
-- namespaces, containers) net.ipv4.ip_forward and net.ipv6.conf.all.forwarding.
function Node:forwarding(on)
  node_arg(self, "forwarding")
  on = on and true or false
  self.forwards = on
  if self.owned then
    for ifname, obj in pairs(self.ifaces) do
      if obj ~= true then dev_forwarding(self, ifname) end
    end
    if self.ipv6 or not on then self:ensure(FORWARDING[2], on and "1" or "0") end
  else
    for _, key in ipairs(FORWARDING) do self:ensure(key, on and "1" or "0") end
  end
  return self
end

-- node:ensure(key, value): set a sysctl unless it is known to hold value
-- already (what the namespace started with, or what nsrun wrote).  A
-- kernel without IPv6 has no net.ipv6: nothing to set there.
function Node:ensure(key, value)
  if self.known[key] ~= value then
    local ok, msg, code = self.ns:sysctl(key, value)
    if not ok and not (code == 2 and key:find("ipv6")) then fail(msg, code) end
    self.known[key] = value
  end
  return self
end

local Result = { __name = "nsrun.result" }
Result.__index = Result
Result.__tostring = function(r) return r.stdout end

local function argv_of(cmd, fname)
  if type(cmd) == "string" then return util.split(cmd) end
  arg(type(cmd) == "table" and #cmd > 0, 1, fname, "command string or argv table expected")
  return cmd
end

-- node:exec("ip route") or node:exec{ "ip", "route" } -> result with
-- .ok, .status, .stdout, .stderr (tostring gives stdout).  No shell:
-- a string is split on spaces.  Use node:sh for a shell.
function Node:exec(cmd)
  node_arg(self, "exec")
  local argv = argv_of(cmd, "exec")
  local status, out, err = self.ns:run(argv)
  if not status then fail(out, err) end
  return setmetatable({ ok = status == 0, status = status, stdout = out, stderr = err,
    cmd = table.concat(argv, " ") }, Result)
end

-- node:sh("ip route | grep default") -> result, through /bin/sh -c.
function Node:sh(script)
  util.string_arg(script, 1, "sh")
  return self:exec { "/bin/sh", "-c", script }
end

-- node:spawn(cmd) -> pid: a background process, ended at teardown.  Its
-- output goes to /run/nsrun/LAB/NODE.log.
function Node:spawn(cmd)
  node_arg(self, "spawn")
  local argv = argv_of(cmd, "spawn")
  local log = self.lab.journal:dir() .. "/" .. self.nsname .. ".log"
  local pid, start, code = self.ns:spawn(argv, log)
  if not pid then fail(start, code) end
  check(self.lab.journal:add(("proc %d %d"):format(pid, start)))
  self.lab.procs[#self.lab.procs + 1] = { pid = pid, start = start, node = self,
    cmd = table.concat(argv, " ") }
  return pid
end

-- node:ip() -> the node's first address without its length ("192.0.2.1")
function Node:ip(family)
  for _, a in ipairs(self.addrs) do
    local p = core.prefix(a.cidr)
    if p and (family == nil or p.family == family) then return core.ntop(p.bytes) end
  end
end

---------------------------------------------------------------- bridges

function Bridge:__tostring() return ("bridge %s in %s"):format(self.name, self.node.name) end

-- br:addr(cidr): an address on the bridge itself.
function Bridge:addr(cidr)
  self.node:addr(self.name, cidr)
  return self
end

-- The port of br that p names: an interface name, or a link with an end
-- on br.
local function port_of(br, p, fname)
  if getmetatable(p) == Link then
    if p.bridge == br then return p.b.name end
    if p.bridge_a == br then return p.a.name end
    fail(("%s: %s has no end on bridge %s"):format(fname, tostring(p), br.name))
  end
  util.string_arg(p, 1, fname)
  return p
end

-- br:vlan(port, vid [, { pvid = bool, untagged = bool, del = bool }]) ->
-- br: `bridge vlan add dev PORT vid VID [pvid] [untagged]` on a bridge made
-- with { vlan_filtering = true }.  port: a link with an end on the bridge,
-- a port's name, or the bridge's own name (the bridge itself: self).
function Bridge:vlan(port, vid, opts)
  alive(self.lab)
  arg(math.type(vid) == "integer", 2, "vlan", "vlan id (an integer) expected")
  arg(opts == nil or type(opts) == "table", 3, "vlan", "table expected")
  local ifname = port_of(self, port, "vlan")
  opts = opts or {}
  check(self.node.ns:bridge_vlan(ifname, vid, { pvid = opts.pvid, untagged = opts.untagged,
    del = opts.del, self = ifname == self.name }))
  self.vlans = self.vlans or {}
  self.vlans[#self.vlans + 1] = { port = ifname, vid = vid, pvid = opts.pvid or nil,
    untagged = opts.untagged or nil, del = opts.del or nil }
  return self
end

-- br:access(port, vid) -> br: the port carries VLAN vid untagged, and only
-- it (VLAN 1, the default, taken off).  A switch's access port.
function Bridge:access(port, vid)
  self:vlan(port, 1, { del = true })
  return self:vlan(port, vid, { pvid = true, untagged = true })
end

-- br:trunk(port, { vid, ... } [, native]) -> br: the port carries these
-- VLANs tagged; native (a vid) untagged, else none untagged (VLAN 1 off).
function Bridge:trunk(port, vids, native)
  arg(type(vids) == "table", 2, "trunk", "list of vlan ids expected")
  arg(native == nil or math.type(native) == "integer", 3, "trunk", "vlan id expected")
  if native ~= 1 then self:vlan(port, 1, { del = true }) end
  for _, v in ipairs(vids) do self:vlan(port, v) end
  if native then self:vlan(port, native, { pvid = true, untagged = true }) end
  return self
end

function Bridge:up() self.node:up(self.name) return self end
function Bridge:down() self.node:down(self.name) return self end

---------------------------------------------------------------- links

function Link:__tostring()
  return ("link %s:%s -- %s:%s"):format(self.a.node.name, self.a.name, self.b.node.name, self.b.name)
end

-- link:set{ up = bool, mtu = n } on both ends.
function Link:set(opts)
  arg(type(opts) == "table", 1, "set", "table expected")
  self.a.node:set(self.a.name, opts)
  self.b.node:set(self.b.name, opts)
  return self
end

-- link:impair(opts) on both ends, link:impair(node, opts) on that node's
-- end (see node:impair).  Each end shapes what it sends.
function Link:impair(node, opts)
  if getmetatable(node) ~= Node then node, opts = nil, node end
  arg(opts == nil or type(opts) == "table", node and 2 or 1, "impair", "table expected")
  if node then
    local side = self:side(node)
    if not side then fail(("impair: %s is not an end of %s"):format(node.name, tostring(self))) end
    side.node:impair(side.name, opts)
  else
    self.a.node:impair(self.a.name, opts)
    self.b.node:impair(self.b.name, opts)
  end
  return self
end

function Link:up() return self:set { up = true } end
function Link:down() return self:set { up = false } end

-- The end of the link in node: { node = , name = }.
function Link:side(node)
  if self.a.node == node then return self.a end
  if self.b.node == node then return self.b end
end

return M
