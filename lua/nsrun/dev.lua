-- nsrun.dev: virtual devices in a node (`ip link add NAME type KIND ...`).
--   node:dev(name, { type = KIND, ... }), node:vlan(link, id [, opts])
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local journal = require "nsrun.journal"
local link = require "nsrun.link"

local fail, arg = util.fail, util.arg
local Node = class.Node

-- The kinds node:dev makes, with their kernel modules and the parameters
-- that keep a module from making a device of its own in the host when the
-- kernel loads it for a first device (bond0, dummy0): core/dev.c's table
-- (core.dev_kinds).  Bridges are lab:bridge's (ports, VLANs, autoaddr).
local KINDS, NAMES = {}, {}
for _, k in ipairs(core.dev_kinds) do
  KINDS[k.kind] = k
  if k.kind ~= "bridge" then NAMES[#NAMES + 1] = k.kind end
end
NAMES = table.concat(NAMES, ", ")

-- Load the module of kind first, as `modprobe MODULE PARAM=0` does, when
-- the kernel would otherwise load it with defaults that add a device to
-- the host's namespace; if that fails, the kernel's error says why.
local function load_quietly(lab, kind)
  local m = KINDS[kind]
  if not m.quiet or lab.dry then return end
  local f = io.open("/sys/module/" .. m.module)   -- loaded already, or built in
  if f then f:close() return end
  lab.root.ns:run { "modprobe", "-q", m.module, m.quiet }
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
-- VRF's interfaces).
function Node:dev(name, opts)
  class.node_arg(self, "dev")
  util.string_arg(name, 1, "dev")
  arg(type(opts) == "table" and type(opts.type) == "string", 2, "dev", "{ type = ... } expected")
  if opts.type == "bridge" then
    fail(("dev %s in %s: a bridge is lab:bridge(%q, { node = ... })"):format(name, self.name, name))
  end
  if opts.type == "vrf" and self == self.lab.root then
    -- the kernel's l3mdev rule for VRFs would stay in the host after teardown
    fail(("dev %s in the host's namespace: a VRF belongs in a node of the lab"):format(name))
  end
  if not KINDS[opts.type] then
    fail(("dev %s in %s: type %q is not one of %s"):format(name, self.name, opts.type, NAMES))
  end
  local members = opts.members
  arg(members == nil or type(members) == "table", 2, "dev", "members must be a list of interface names")
  link.check_end(self.lab, self, name)
  load_quietly(self.lab, opts.type)
  local o = {}
  for k, v in pairs(opts) do if k ~= "members" then o[k] = v end end
  journal.journaled(self.lab, journal.link_record(self, name), self.ns.dev, self.ns, name, o)
  local d = { node = self, name = name, type = opts.type, link = opts.link or opts.dev,
    id = opts.id or opts.table }   -- id: a vlan's, a VNI, a VRF's table
  self.ifaces[name] = d
  self.devs = self.devs or {}
  self.devs[#self.devs + 1] = d
  if opts.master then
    self.masters = self.masters or {}
    self.masters[name] = opts.master
  end
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
function Node:vlan(lower, id, opts)
  class.node_arg(self, "vlan")
  util.string_arg(lower, 1, "vlan")
  arg(math.type(id) == "integer", 2, "vlan", "vlan id (an integer) expected")
  arg(opts == nil or type(opts) == "table", 3, "vlan", "table expected")
  opts = opts or {}
  return self:dev(opts.name or ("%s.%d"):format(lower, id), { type = "vlan", link = lower,
    id = id, protocol = opts.protocol, master = opts.master, mtu = opts.mtu })
end

return {}
