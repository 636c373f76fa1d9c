-- nsrun.bridge: Linux bridges (switches) and their VLANs.
--   lab:bridge(name [, opts]) -> bridge
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local journal = require "nsrun.journal"

local fail, arg = util.fail, util.arg
local Lab, Bridge = class.Lab, class.Bridge

local M = {}

-- lab:bridge(name [, { node = n, stp = bool, vlan_filtering = bool,
-- mtu = n, netfilter = bool }]) -> a Linux bridge, in the host's namespace
-- unless a node is given; spanning tree (for loops of bridges) and VLAN
-- awareness (see bridge:vlan) when asked.  A lab's bridge is a switch: in a
-- node, bridged frames do not go through that node's iptables/nftables
-- (net.bridge.bridge-nf-call-*, on by default where br_netfilter is
-- loaded, are set to 0 there) unless netfilter = true.  The host's
-- settings are the host's: nsrun leaves them alone.
local BRIDGE_OPTS = { node = true, stp = true, vlan_filtering = true, mtu = true, netfilter = true }
local BRIDGE_NF = { "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables",
  "net.bridge.bridge-nf-call-arptables" }

function Lab:bridge(name, opts)
  class.alive(self)
  util.string_arg(name, 1, "bridge")
  arg(opts == nil or type(opts) == "table", 2, "bridge", "table expected")
  for k in pairs(opts or {}) do
    arg(BRIDGE_OPTS[k], 2, "bridge", ("unknown option %q"):format(tostring(k)))
  end
  local node = opts and opts.node or self.root
  arg(class.is_node(node) and node.lab == self, 2, "bridge", "node must be a node of this lab")
  -- in a namespace shared with others (the host's), the lab's prefix keeps
  -- copies of one scenario apart
  if not node.owned then name = self.prefix .. name end
  local why = core.ifname_invalid(name)
  if why then fail(("bridge %q: name %s"):format(name, why)) end
  if node.ifaces[name] then fail(("interface %s exists already in %s"):format(name, node.name)) end
  if not node.owned and node.ns:ifindex(name) then
    journal.collide(self, journal.taken(self, ("interface %s in %s"):format(name, node.name),
      "link", node.nsname, name))
  end
  journal.journaled(self, journal.link_record(node, name), node.ns.bridge, node.ns, name,
    opts and { stp = opts.stp, vlan_filtering = opts.vlan_filtering, mtu = opts.mtu })
  local br = setmetatable({ lab = self, node = node, name = name, ports = {},
    stp = opts and opts.stp, vlan_filtering = opts and opts.vlan_filtering,
    mtu_set = opts and opts.mtu and true }, Bridge)
  node.ifaces[name] = br
  self.bridges[#self.bridges + 1] = br
  if node.owned and not (opts and opts.netfilter) and not self.dry then
    for _, key in ipairs(BRIDGE_NF) do
      -- no such key: br_netfilter is not loaded, bridged frames skip netfilter
      if node.ns:sysctl(key) == "1" then node:sysctl(key, 0) end
    end
  end
  return br
end

-- join(br, ifname): the interface ifname, in the bridge's node, becomes
-- one of its ports
function M.join(br, ifname)
  util.check_for(br.node, br.node.ns:set(ifname, { master = br.name }))
  br.ports[#br.ports + 1] = ifname
end

function Bridge:__tostring() return ("bridge %s in %s"):format(self.name, self.node.name) end

-- br:addr(cidr): an address on the bridge itself.
function Bridge:addr(cidr)
  self.node:addr(self.name, cidr)
  return self
end

-- The port of br that p names: an interface name, or a link with an end
-- on br.
local function port_of(br, p, fname)
  if class.is_link(p) then
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
  class.alive(self.lab)
  arg(math.type(vid) == "integer", 2, "vlan", "vlan id (an integer) expected")
  arg(opts == nil or type(opts) == "table", 3, "vlan", "table expected")
  local ifname = port_of(self, port, "vlan")
  opts = opts or {}
  util.check_for(self, self.node.ns:bridge_vlan(ifname, vid, { pvid = opts.pvid,
    untagged = opts.untagged, del = opts.del, self = ifname == self.name }))
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

return M
