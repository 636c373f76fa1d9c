-- nsrun.node: nodes (network namespaces) and what is set in them:
-- addresses, routes, rules, neighbours, interface settings, impairments,
-- sysctls and forwarding, commands.
--   lab:node(name), lab:host(name), lab:router(name) -> node
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local journal = require "nsrun.journal"
local impair = require "nsrun.impair"

local fail, arg = util.fail, util.arg
local Lab, Node = class.Lab, class.Node
local node_arg = class.node_arg

local function check(node, ...) return util.check_for(node, ...) end

-- Forwarding, as `sysctl -w` sets it: net.ipv4.ip_forward is
-- net.ipv4.conf.all.forwarding; writing a new value there also sets
-- conf.default (which interfaces made later copy) and every interface.
local IP_FORWARD = "net.ipv4.ip_forward"
local ALL4 = "net.ipv4.conf.all.forwarding"
local DEFAULT4 = "net.ipv4.conf.default.forwarding"
local ALL6 = "net.ipv6.conf.all.forwarding"

-- What every new namespace starts with (copied from the host, or the
-- kernel's defaults, per net.core.devconf_inherit_init_net): read once per
-- lab, so that a sysctl is written only where it must differ.
local INHERITED = { IP_FORWARD, ALL6, DEFAULT4,
  "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter" }

function Node:__tostring()
  return ("node %s (%s)"):format(self.name, self.role)
end

local NODE_OPTS = { frr = true, bird = true, on = true }

local function add_node(lab, name, role, fname, opts)
  arg(opts == nil or type(opts) == "table", 2, fname, "table expected")
  for k in pairs(opts or {}) do
    arg(NODE_OPTS[k], 2, fname, ("unknown option %q (frr, bird, on)"):format(tostring(k)))
  end
  arg(opts == nil or opts.on == nil or type(opts.on) == "string", 2, fname,
    "on = the machine (one of nsrun --hosts) that runs the node")
  local node = journal.claim(lab, name, "ns", fname, lab.sys.create)
  node.role, node.owned = role, true
  node.on = opts and opts.on
  if not lab.inherited then
    lab.inherited = {}
    for _, key in ipairs(INHERITED) do lab.inherited[key] = node.ns:sysctl(key) end
    lab.inherited[ALL4] = lab.inherited[IP_FORWARD]
  end
  setmetatable(node.known, { __index = lab.inherited })
  node:forwarding(role == "router")
  if opts and opts.frr then node:frr(opts.frr) end
  if opts and opts.bird then node:bird(opts.bird) end
  return node
end

-- lab:node(name [, opts]) -> a namespace; lab:host(name), lab:router(name)
-- say its role: a router forwards, a host (and a plain node) does not.
-- opts: { frr = {...} } or { bird = {...} }: routing daemons in the node
-- (nsrun.daemon).
function Lab:node(name, opts) return add_node(self, name, "node", "node", opts) end
function Lab:host(name, opts) return add_node(self, name, "host", "host", opts) end
function Lab:router(name, opts) return add_node(self, name, "router", "router", opts) end

-- lab:all([role]) -> the lab's nodes in the order they were made (lab.nodes
-- maps names to nodes).
function Lab:all(role)
  local t = {}
  for _, n in ipairs(self.order) do
    if role == nil or n.role == role then t[#t + 1] = n end
  end
  return t
end

---------------------------------------------------------------- addresses

-- What the lab keeps of an address it put on node (with n, len when
-- ipam chose it: the IPv4 address as an integer and its length): the first
-- IPv6 one turns IPv6 forwarding on in a router.
function Node:added(ifname, cidr, n, len)
  self.addrs[#self.addrs + 1] = { ifname = ifname, cidr = cidr, n = n, len = len }
  if not self.ipv6 and cidr:find(":", 1, true) then
    self.ipv6 = true
    if self.forwards then self:ensure(ALL6, "1") end
  end
  self.lab.counts.addresses = self.lab.counts.addresses + 1
end

-- node:addr(ifname, "192.0.2.1/24")
function Node:addr(ifname, cidr)
  node_arg(self, "addr")
  util.string_arg(ifname, 1, "addr")
  util.string_arg(cidr, 2, "addr")
  check(self, self.ns:addr(ifname, cidr))
  self:added(ifname, cidr)
  return self
end

-- node:ip([family]) -> the node's first address without its length
-- ("192.0.2.1"), of family 4 or 6 if given; nil when it has none
function Node:ip(family)
  for _, a in ipairs(self.addrs) do
    local p = core.prefix(a.cidr)
    if p and (family == nil or p.family == family) then return core.ntop(p.bytes) end
  end
end

---------------------------------------------------------------- routes

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
  check(self, self.ns:route(dst, nh, { metric = o.metric, replace = o.replace, table = t }))
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
  check(self, self.ns:route_batch(batch))
  for _, r in ipairs(batch) do
    self.routes[#self.routes + 1] = { dst = r.dst, nexthops = r.nexthops, table = r.table }
  end
  self.lab.counts.routes = self.lab.counts.routes + #batch
  return self
end

-- node:route_del(dst [, { table = n | vrf = name, family = 4 | 6 }]) ->
-- node: `ip route del DST`, whatever its next hops; "default" of no
-- family removes the IPv4 and the IPv6 default routes.
function Node:route_del(dst, opts)
  node_arg(self, "route_del")
  util.string_arg(dst, 1, "route_del")
  arg(opts == nil or type(opts) == "table", 2, "route_del", "table expected")
  opts = opts or {}
  local t = table_of(self, opts, "route_del " .. dst)
  check(self, self.ns:route_del(dst, { table = t, family = opts.family }))
  local kept = {}
  for _, r in ipairs(self.routes) do
    if not (r.dst == dst and r.table == t) then kept[#kept + 1] = r end
  end
  self.routes = kept
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
      :format(self.name), nil, self.name)
  end
  local t = table_of(self, opts, "rule")
  arg(t ~= nil, 1, "rule", "table = n or vrf = name expected")
  local r = { from = opts.from, to = opts.to, iif = opts.iif, oif = opts.oif,
    fwmark = opts.fwmark, priority = opts.priority, table = t, family = opts.family }
  check(self, self.ns:rule(r))
  self.rules = self.rules or {}
  self.rules[#self.rules + 1] = r
  return self
end

-- node:neigh(ifname, addr, mac) -> node: a permanent neighbour entry (`ip
-- neigh replace ADDR lladdr MAC nud permanent dev IFNAME`).
function Node:neigh(ifname, addr, mac)
  node_arg(self, "neigh")
  util.string_arg(ifname, 1, "neigh")
  util.string_arg(addr, 2, "neigh")
  util.string_arg(mac, 3, "neigh")
  check(self, self.ns:neigh(ifname, addr, mac))
  return self
end

---------------------------------------------------------------- interfaces

-- node:set(ifname, { up = bool, mtu = n, mac = "..", master = name|false, name = new })
function Node:set(ifname, opts)
  node_arg(self, "set")
  util.string_arg(ifname, 1, "set")
  arg(type(opts) == "table", 2, "set", "table expected")
  check(self, self.ns:set(ifname, opts))
  if opts.mtu then self.mtu_set = true end   -- for the lab's MTU check (nsrun.mtu)
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
  if not spec then fail(("impair %s in %s: %s"):format(ifname, self.name, why), nil, self.name) end
  check(self, self.ns:impair(ifname, spec))
  self.impairments = self.impairments or {}
  self.impairments[ifname] = next(spec) and spec or nil
  return self
end

-- node:impairment(ifname) -> what the kernel has on the interface:
-- { kind = "netem"|"tbf"|"tbf+netem"|"none", delay_us =, loss =, rate =, ... }
function Node:impairment(ifname)
  node_arg(self, "impairment")
  util.string_arg(ifname, 1, "impairment")
  return check(self, self.ns:impairment(ifname))
end

---------------------------------------------------------------- sysctls

local function trim(v) return (tostring(v):match("^%s*(.-)%s*$")) end

-- node:sysctl(key) -> value; node:sysctl(key, value) -> node.  As `sysctl
-- -w` inside the node: net.ipv4.ip_forward (conf.all.forwarding) set to a
-- new value sets every interface and conf.default too; to the value it has,
-- nothing (the kernel's rule).
function Node:sysctl(key, value)
  node_arg(self, "sysctl")
  util.string_arg(key, 1, "sysctl")
  if value == nil then return check(self, self.ns:sysctl(key)) end
  value = trim(value)
  check(self, self.ns:sysctl(key, value))
  key = key:gsub("/", ".")
  if key == IP_FORWARD or key == ALL4 then
    if self.known[IP_FORWARD] ~= value then self.known[DEFAULT4] = value end
    self.known[IP_FORWARD], self.known[ALL4] = value, value
    self.forwards = value ~= "0"
  else
    self.known[key] = value
  end
  return self
end

-- node:nft(ruleset) -> node: an nftables ruleset (nft's syntax, as `nft
-- -f` reads it: text, or the path of a file) loaded into the node's own
-- namespace through libnftables, as one transaction: a ruleset nft rejects
-- changes nothing, and the error is nft's own, with its line.  Only in the
-- lab's own nodes: the host's tables are the host's.
function Node:nft(ruleset)
  node_arg(self, "nft")
  util.string_arg(ruleset, 1, "nft")
  if not self.owned then
    fail(("nft in %s: nsrun loads rules only into the namespaces the lab made"):format(self.name), nil, self.name)
  end
  if self.lab.dry or self.lab.plan then return self end
  local text = ruleset
  if not ruleset:find("\n", 1, true) then
    local f = io.open(ruleset)
    if f then text = f:read("a"); f:close() end
  end
  local ok, msg, code = self.ns:nft(text)
  if not ok then
    fail(("nft in %s: %s"):format(self.name, (msg:gsub("^nftables in [^:]+: ", ""))), code, self.name)
  end
  return self
end

-- node:ensure(key, value) -> node: set a sysctl unless it is known to hold
-- value already (what the namespace started with, or what nsrun wrote).
-- A kernel without IPv6 has no net.ipv6: nothing to set there.
function Node:ensure(key, value)
  if self.known[key] ~= value then
    local ok, msg, code = self.ns:sysctl(key, value)
    if not ok and not (code == core.errno.ENOENT and key:find("ipv6")) then
      fail(msg, code, self.name)
    end
    self.known[key] = value
  end
  return self
end

-- node:forwarding(on) -> node: IPv4 and IPv6 forwarding, in the whole
-- namespace, as `sysctl -w net.ipv4.ip_forward=1` and
-- net.ipv6.conf.all.forwarding set it: every interface, those made later
-- too.  IPv6 is written in a router once it has an IPv6 address (a write
-- per namespace costs more as namespaces grow: DESIGN.md).
function Node:forwarding(on)
  node_arg(self, "forwarding")
  local v = on and "1" or "0"
  self.forwards = on and true or false
  local has_ifaces = next(self.ifaces) ~= nil
  if self.known[IP_FORWARD] ~= v or self.known[DEFAULT4] ~= v or has_ifaces then
    -- the kernel sets conf.default and the interfaces only on a change:
    -- to be sure of each (one set on its own since), write the other value
    -- first
    if self.known[IP_FORWARD] == v then self:sysctl(IP_FORWARD, on and "0" or "1") end
    self:sysctl(IP_FORWARD, v)
  end
  if self.ipv6 or not on then self:ensure(ALL6, v) end
  return self
end

---------------------------------------------------------------- commands

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
local function exec(node, argv, shared)
  local status, out, err
  if shared and node.lab.part then   -- on its machine; its result on each
    status, out, err = require("nsrun.machines").shared(node.lab, node, function() return node.ns:run(argv) end)
  else
    status, out, err = node.ns:run(argv)
  end
  if not status then fail(out, err, node.name) end
  return setmetatable({ ok = status == 0, status = status, stdout = out, stderr = err,
    cmd = table.concat(argv, " ") }, Result)
end

function Node:exec(cmd)
  node_arg(self, "exec")
  return exec(self, argv_of(cmd, "exec"), true)
end

-- node:exec_here(argv) -> result: node:exec on this machine only, for what
-- each machine does for its own nodes (nsrun's daemons)
function Node:exec_here(argv) return exec(self, argv, false) end

-- node:sh("ip route | grep default") -> result, through /bin/sh -c.
function Node:sh(script)
  util.string_arg(script, 1, "sh")
  return self:exec { "/bin/sh", "-c", script }
end

-- node:spawn(cmd [, log]) -> pid: a background process, ended at teardown,
-- recorded in the lab's journal before it runs.  Its output goes to log
-- (default /run/nsrun/LAB/NODE.log).
function Node:spawn(cmd, log)
  node_arg(self, "spawn")
  local argv = argv_of(cmd, "spawn")
  if self.lab.part then   -- on its machine; its pid on each copy of the script
    return (require("nsrun.machines").shared(self.lab, self, function() return (self:spawn_here(argv, log)) end))
  end
  return self:spawn_here(argv, log)
end

-- node:spawn_here(argv [, log]) -> pid, p: node:spawn on this machine,
-- for nsrun's own processes (daemons) which each machine starts for its
-- own nodes.  p: { pid, start, node, cmd, log }, in lab.procs.
function Node:spawn_here(argv, log)
  log = log or self.lab.journal:dir() .. "/" .. self.nsname .. ".log"
  local journal = not self.lab.dry and self.lab.journal or nil
  local pid, start, code = self.ns:spawn(argv, log, journal)
  if not pid then fail(start, code, self.name) end
  local p = { pid = pid, start = start, node = self, cmd = table.concat(argv, " "), log = log }
  self.lab.procs[#self.lab.procs + 1] = p
  return pid, p
end

return Node
