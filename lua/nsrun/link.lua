-- nsrun.link: links (veth pairs) and the names of their ends.
--   lab:link(a, [ifa,] b, [ifb,] [opts]) -> link
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local journal = require "nsrun.journal"
local progress = require "nsrun.progress"
local impair = require "nsrun.impair"
local bridge = require "nsrun.bridge"

local fail, arg = util.fail, util.arg
local Lab, Node, Bridge, Link = class.Lab, class.Node, class.Bridge, class.Link
local is_bridge = class.is_bridge

local M = {}

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
  local name = is_bridge(other) and br.name .. "_" .. other.name   -- s1_s2
    or (br.node.owned and other.name or other.nsname) .. "_" .. ifname
  if #name <= 15 and not br.node.ifaces[name] then return name end
  local n = #br.ports + 1
  repeat name = br.name:sub(1, 10) .. "p" .. n; n = n + 1 until not br.node.ifaces[name]
  return name
end

-- check_end(lab, node, ifname): an interface name that is valid, free in
-- the lab, and free in a namespace the lab does not own.
function M.check_end(lab, node, ifname)
  local why = core.ifname_invalid(ifname)
  if why then fail(("interface %q in %s: name %s"):format(ifname, node.name, why)) end
  if node.ifaces[ifname] then fail(("interface %s exists already in %s"):format(ifname, node.name)) end
  if not node.owned and node.ns:ifindex(ifname) then
    journal.collide(lab, journal.taken(lab, ("interface %s in %s"):format(ifname, node.name),
      "link", node.nsname, ifname))
  end
end

-- What a new veth end in node gets with its link-up request: no IPv6
-- link-local address in a lab made with { linklocal = false }; on a
-- router, ignore_routes_with_linkdown (a next hop whose link lost its
-- carrier is skipped, as a router's control plane would withdraw it:
-- ECMP fails over to the links left).  nil: nothing.
local function end_settings(lab, node)
  if not node.owned then return nil end
  local s
  if lab.linklocal == false then s = { linklocal = false } end
  if node.role == "router" then s = s or {}; s.ignore_linkdown = true end
  return s
end

local function is_end(v) return getmetatable(v) == Node or getmetatable(v) == Bridge end

-- lab:link(a, [ifa,] b, [ifb,] [opts]) -> a veth pair between two nodes,
-- or a node and a bridge.  Names left out are chosen: eth0, eth1, ...
-- on nodes, <node>_<ifname> on bridges.  opts: { mtu = n } and
-- impairments (nsrun.impair: delay, jitter, loss, ..., rate) on both ends.
function Lab:link(...)
  class.alive(self)
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
  if impairments then util.check(impair.parse(impairments)) end  -- before anything is made
  -- a bridge is b; two bridges (switch to switch): a port on each
  local bra
  if is_bridge(a) and is_bridge(b) then
    if a == b then fail(("link %s -- %s: a bridge to itself"):format(a.name, b.name)) end
    bra = a
  elseif is_bridge(a) then
    a, ifa, b, ifb = b, ifb, a, ifa
  end
  if b.lab ~= self or a.lab ~= self then fail("link: both ends must belong to this lab") end
  local na, nb = bra and bra.node or a, is_bridge(b) and b.node or b
  -- in the host's namespace, shared with other labs, an end's name takes
  -- the lab's prefix, as a bridge's does: copies of one scenario side by
  -- side (levels.lua prefix=t1- makes t1-veth0a)
  if ifa and na == self.root and not bra then ifa = self.prefix .. ifa end
  if ifb and nb == self.root and not is_bridge(b) then ifb = self.prefix .. ifb end
  if bra then
    ifa = ifa or port_name(bra, b)
    na.ifaces[ifa] = na.ifaces[ifa] or true   -- taken, while b's port is named
    ifb = ifb or port_name(b, bra)
    if na.ifaces[ifa] == true then na.ifaces[ifa] = nil end
  else
    ifa = ifa or next_ifname(na)
    if is_bridge(b) then ifb = ifb or port_name(b, a, ifa)
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
  M.check_end(self, na, ifa)
  M.check_end(self, nb, ifb)
  -- Deleting either end of a veth deletes both: record one end that lives
  -- in a namespace this lab does not own, if there is one.
  if self.part then   -- across machines: a veth pair, a VXLAN end, or nothing here
    self.part:veth(self, na, ifa, nb, ifb, end_settings(self, na), end_settings(self, nb), journal.journaled)
  else
    journal.journaled(self, journal.link_record(na, ifa) or journal.link_record(nb, ifb),
      na.ns.veth, na.ns, ifa, nb.ns, ifb, end_settings(self, na), end_settings(self, nb))
  end
  local link = setmetatable({ lab = self, a = { node = na, name = ifa },
    b = { node = nb, name = ifb }, bridge = is_bridge(b) and b or nil,
    bridge_a = bra }, Link)
  na.ifaces[ifa] = link
  nb.ifaces[ifb] = link
  self.links[#self.links + 1] = link
  progress.build(self)
  if bra then bridge.join(bra, ifa) end
  if link.bridge then bridge.join(b, ifb) end
  local mtu = opts.mtu
  if self.part then   -- no more than the machines' underlay carries
    mtu = self.part:mtu(mtu or 1500, tostring(link))
    if mtu == 1500 and not opts.mtu then mtu = nil end
  end
  if mtu then link:set { mtu = mtu } end
  if impairments then link:impair(impairments) end
  return link
end

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

-- The end of the link in node: { node = , name = }.
function Link:side(node)
  if self.a.node == node then return self.a end
  if self.b.node == node then return self.b end
end

return M
