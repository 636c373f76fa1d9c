-- nsrun.lab: a lab owns what it creates, and its life: made, saved as a
-- model, destroyed.  The methods of its objects are in their own files
-- (nsrun.class lists them); requiring this module loads them all.
--   nsrun.lab(name [, { prefix =, dry =, linklocal = }]) -> lab
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"

local fail, arg = util.fail, util.arg
local Lab, Node = class.Lab, class.Node

-- M.planning: set by the pre-flight pass (nsrun.preflight) while it runs a
-- script dry; its collide(msg) collects names already taken.
local M = { Lab = Lab, Node = Node, Bridge = class.Bridge, Link = class.Link,
  opened = class.opened, planning = nil }

for _, m in ipairs { "node", "link", "bridge", "dev", "container", "daemon", "limits", "ipam",
  "routing", "l2", "expect", "ping", "fault", "outage", "snapshot",
  "service", "throughput" } do
  require("nsrun." .. m)
end

function M.new(name, opts)
  util.string_arg(name, 1, "lab")
  arg(opts == nil or type(opts) == "table", 2, "lab", "table expected")
  opts = opts or {}
  local prefix = opts.prefix or ""
  arg(type(prefix) == "string", 2, "lab", "prefix must be a string")
  local hosts = opts.hosts
  if type(hosts) == "table" then hosts = table.concat(hosts, ",") end
  if hosts ~= nil then
    arg(type(hosts) == "string", 2, "lab", "hosts must be a list of machines")
    local list, why = require("nsrun.machines").hosts(hosts)
    arg(list, 2, "lab", why and why:gsub("^%-%-hosts", "hosts"))
    hosts = list
  end
  -- The prefix names the lab too: copies of one scenario run side by side.
  name = prefix .. name
  local why = core.name_invalid(name)
  if why then fail(("lab name %q: %s"):format(name, why)) end
  -- the kernel, or nothing at all for a dry lab (its model only)
  -- (a lab the script makes dry stays a plain dry lab in the pre-flight)
  local plan = not opts.dry and M.planning or nil
  -- a lab across machines (nsrun --hosts): the kernel for this machine's
  -- nodes, the model only for the others' (nsrun.machines)
  local part = not opts.dry and not plan and require("nsrun.machines").part(name) or nil
  local sys = opts.dry and require("nsrun.dry")
    or plan and require("nsrun.dry").planned(plan.collide) or part and part:sys() or core
  local journal = util.check(sys.lab_create(name))
  local root, msg, code = sys.root()
  if not root then journal:close(); sys.lab_destroy(name); fail(msg, code, name) end
  local lab = setmetatable({
    name = name, prefix = prefix, journal = journal, sys = sys, dry = (opts.dry or plan) and true,
    linklocal = opts.linklocal ~= false,
    plan = plan, part = part, hosts = hosts,
    times = {},
    nodes = {}, order = {}, links = {}, bridges = {}, procs = {},
    started = core.now(), counts = { addresses = 0, routes = 0 },
  }, Lab)
  lab.root = setmetatable({ lab = lab, name = "host", nsname = "-", ns = root,
    role = "host-namespace", owned = false, ifaces = {}, addrs = {}, routes = {},
    known = {} }, Node)
  class.opened[#class.opened + 1] = lab
  return lab
end

function Lab:__tostring()
  return ("lab %s (%d nodes, %d links)"):format(self.name, #self.order, #self.links)
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
    class.alive(self)
    return require("nsrun.gen")[g](self, ...)
  end
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
      machine = self.part and self.part.where[n.nsname],
      pid = n.pid, container = n.container, addrs = addrs, impair = n.impairments,
      devs = devs, rules = n.rules, binds = n.binds, hostname = n.hostname,
      daemon = n.daemon and { kind = n.daemon.kind, daemons = n.daemon.daemons, file = n.daemon.file,
        profile = n.daemon.profile } }
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
  for i, p in ipairs(self.procs) do
    procs[i] = { pid = p.pid, start = p.start, node = p.node.name, cmd = p.cmd, daemon = p.daemon }
  end
  return { lab = self.name, prefix = self.prefix, nodes = nodes, links = links, bridges = bridges,
    procs = procs, machine = self.part and self.part.ctx.me }
end

-- lab:save() -> lab: write lab:model() to /run/nsrun/LAB/topology.json (the
-- interpreter does this when a script ends; a dry lab has no file).
function Lab:save()
  if self.dry or self.destroyed or self.part and not self.part.ctx.me then return self end
  local path = self.journal:dir() .. "/topology.json"
  local f = util.check(io.open(path .. ".new", "w"))
  f:write(require("nsrun.json").encode(self:model()), "\n")
  f:close()
  util.check(os.rename(path .. ".new", path))
  return self
end

-- lab:destroy([{ wait = true }]) -> lab: remove everything the lab made
-- (its journal says what).  Raises an nsrun.error when something could not
-- be removed (its problems field counts them); running it again tries
-- again.  wait: return only once the kernel has freed the lab's devices
-- (M.await_freed).
function Lab:destroy(opts)
  util.arg(opts == nil or type(opts) == "table", 1, "destroy", "table expected")
  if not self.destroyed then
    self.destroyed = true
    -- The names first, while the fds here hold the namespaces: each name
    -- goes with an unmount that waits for an RCU grace period, which the
    -- kernel's freeing of namespaces already unnamed and closed makes
    -- longer (a k=32 fat-tree's took 5 s).  What fails here, lab_destroy
    -- tries again and reports.
    local names = {}
    -- (across machines, only this machine's: another's name may be someone else's here)
    for _, n in ipairs(self.order) do
      if n.owned and class.here(n) then names[#names + 1] = n.nsname end
    end
    self.sys.delete_many(names, true)
    for _, n in ipairs(self.order) do n.ns:close() end  -- open fds keep namespaces alive
    if self.engine then self.engine:close() end
    self.root.ns:close()
    self.journal:close()
  elseif self.gone then
    return self
  end
  local ok, msg, code, problems = self.sys.lab_destroy(self.name)
  self.gone = ok or code == core.errno.ENOENT
  if not self.gone then
    local e = util.err(msg, code, self.name)
    e.problems = problems
    error(e, 0)
  end
  if opts and opts.wait and not self.dry then M.await_freed(self.name) end
  return self
end

-- The kernel frees a deleted namespace later, in a worker, and unregisters
-- a batch's devices under one hold of rtnl_lock (a bridge waits there for
-- an RCU barrier, ~16 ms each): a lab built meanwhile waits at every
-- request (a k=16 fat-tree's 128 bridges and 7,600 devices: 3.5 s).
-- await_freed(name): wait until that is done, 120 s at most (name: for messages).
M.FREED_WAIT = 120
function M.await_freed(name)
  local done, msg = core.await_freed(M.FREED_WAIT)
  if done == false then
    util.eprintf("nsrun: lab %s: the kernel was still freeing its devices after %d s\n", name, M.FREED_WAIT)
  elseif done == nil then
    util.eprintf("nsrun: lab %s: cannot wait for the kernel to free it: %s\n", name, msg)
  end
end
Lab.__close = function(self) self:destroy() end

return M
