-- nsrun.ipam: automatic addressing of a lab's graph.
--   router-to-router links: a /31 each from the p2p pool;
--   every other segment (hosts behind a router, bridges): a subnet from the
--   segments pool, the router (gateway) first, then the others in order;
--   every router: a /32 on lo from the loopbacks pool.
-- Interfaces the script addressed itself are kept, and blocks that overlap
-- them are never handed out.  Optionally dual stack: each IPv4 address a
-- also gets ipv6_prefix + a (an IPv4-mapped /96, e.g. fd00::10.1.0.2/120).
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local progress = require "nsrun.progress"
local ip4 = require "nsrun.ip4"
local l2 = require "nsrun.l2"

local M = {}

M.defaults = {
  p2p = "10.128.0.0/10",
  segments = "10.0.0.0/9",
  segment_len = 24,
  loopbacks = "10.255.0.0/16",
  ipv6 = false,          -- or a /96 such as "fd00::/96"
}

-- The addresses already on interfaces (the script's own): a list of
-- { n, len, node, ifname }, checked for duplicates.
local function explicit(lab, fail)
  local list, seen = {}, {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do
      local n, len = a.n, a.len
      if not n then n, len = ip4.parse(a.cidr) end
      if n then
        local where = node.name .. ":" .. a.ifname
        if seen[n] then
          fail(("address %s is on both %s and %s"):format(ip4.ntoa(n), seen[n], where))
        end
        seen[n] = where
        list[#list + 1] = { n = n, len = len, node = node, ifname = a.ifname }
      end
    end
  end
  return list
end

-- plan(lab, opts, fail) -> list of { node, ifname, cidr [, n, len] } to add
-- (n, len: an IPv4 address as an integer and its prefix length).
function M.plan(lab, opts, fail)
  opts = setmetatable(opts or {}, { __index = M.defaults })
  local given = explicit(lab, fail)
  local function taken(n, len)
    for _, g in ipairs(given) do
      if ip4.overlap(n, len, g.n, g.len) then return true end
    end
    return false
  end
  local pools = {}
  for _, what in ipairs { "p2p", "segments", "loopbacks" } do
    if opts[what] then
      local p, why = ip4.pool(opts[what], what)
      if not p then fail(why) end
      pools[what] = p
    end
  end
  local function take(what, len)
    local n, why = pools[what]:take(len, taken)
    if not n then fail(why) end
    return n
  end
  local has = {}   -- has[node][ifname]: addressed by the script
  for _, g in ipairs(given) do l2.put(has, g.node, g.ifname, true) end

  local out = {}
  local function add(node, ifname, n, len)
    out[#out + 1] = { node = node, ifname = ifname, cidr = ip4.format(n, len), n = n, len = len }
  end
  local segs = l2.segments(lab)
  for _, seg in ipairs(segs) do
    local addressed = false
    for _, i in ipairs(seg.ifs) do addressed = addressed or l2.get(has, i.node, i.ifname) end
    -- a segment the script addressed (even in part) is the script's
    if not addressed then
      if l2.is_p2p(seg) then
        local n = take("p2p", 31)
        add(seg.ifs[1].node, seg.ifs[1].ifname, n, 31)
        add(seg.ifs[2].node, seg.ifs[2].ifname, n + 1, 31)
      else
        -- who is addressed: not bridge ports, nor a bridge outside the
        -- lab's nodes (a switch in the host's namespace, as Mininet's are:
        -- the host is no member of the lab's networks); the gateway (a
        -- router, or the bridge in a router) first
        local members, rank = {}, {}
        for _, i in ipairs(seg.ifs) do
          if not i.port and not (i.bridge and i.node == lab.root) then
            members[#members + 1] = i
            rank[i] = #members + (i.node.role == "router" and 0 or #seg.ifs)
          end
        end
        table.sort(members, function(x, y) return rank[x] < rank[y] end)
        local len = opts.segment_len
        if #members + 2 > ip4.size(len) then
          fail(("a segment of %d interfaces does not fit in a /%d (segment_len)"):format(#members, len))
        end
        if #members > 0 then
          local n = take("segments", len)
          for i, m in ipairs(members) do add(m.node, m.ifname, n + i, len) end
        end
      end
    end
  end
  if pools.loopbacks then
    for _, node in ipairs(lab.order) do
      if node.role == "router" and not l2.get(has, node, "lo") then
        add(node, "lo", take("loopbacks", 32), 32)
      end
    end
  end
  if opts.ipv6 then
    local p6, plen = opts.ipv6:match("^(.-)/(%d+)$")
    if not p6 or tonumber(plen) ~= 96 or not p6:find("::$") then
      fail(("ipv6 = %q: give an IPv6 /96, such as \"fd00::/96\""):format(tostring(opts.ipv6)))
    end
    for i = 1, #out do
      local a = out[i]
      out[#out + 1] = { node = a.node, ifname = a.ifname, cidr = M.map6(p6, a.n, a.len) }
    end
  end
  return out
end

-- Dual stack: the IPv6 twin of an IPv4 address or prefix is the lab's /96
-- (p6, "fd00::") with the IPv4 address in its last 32 bits, 96 + its
-- length: map6("fd00::", n, len) -> "fd00::a.b.c.d/96+len".  (Routes that
-- autoroute installs straight from the route computation get the same
-- twins in core/spf.c, from the prefix's bytes.)
function M.map6(p6, n, len)
  return ("%s%s/%d"):format(p6, ip4.ntoa(n), 96 + len)
end

-- prefix6(lab) -> the lab's /96 without its length ("fd00::"), or nil when
-- the lab is not dual stack
function M.prefix6(lab)
  return lab.ipv6 and lab.ipv6:match("^(.-)/")
end

-- twin(p6, s) -> the IPv6 twin of s: "default", an IPv4 address
-- ("10.0.0.1") or prefix ("10.0.0.0/24")
function M.twin(p6, s)
  if s == "default" then return s end
  local n, len = ip4.parse(s)
  local t = M.map6(p6, n, len)
  return s:find("/", 1, true) and t or (t:gsub("/128$", ""))
end

-- lab:autoaddr([opts]): address every interface the script left without
-- one (see plan above): /31s between routers, a subnet per host segment, a
-- loopback /32 per router.  opts: p2p, segments, segment_len, loopbacks
-- (pools, or false), ipv6 (a /96 for dual stack, e.g. "fd00::/96").
function class.Lab:autoaddr(opts)
  class.alive(self)
  util.arg(opts == nil or type(opts) == "table", 1, "autoaddr", "table expected")
  self.times.build = self.times.build or core.now() - self.started
  progress.clear(self)
  local plan = class.timed(self, "addresses", function() return M.plan(self, opts, util.fail) end)
  self.ipv6 = opts and opts.ipv6 or self.ipv6
  -- each node's addresses in one batch: windows of requests, not one each
  class.timed(self, "addresses", function()
    local of, nodes, done = {}, {}, 0
    for _, a in ipairs(plan) do
      local list = of[a.node]
      if not list then list = {}; of[a.node] = list; nodes[#nodes + 1] = a.node end
      list[#list + 1] = a
    end
    for _, node in ipairs(nodes) do
      util.check_for(node, node.ns:addr_batch(of[node]))
      for _, a in ipairs(of[node]) do node:added(a.ifname, a.cidr, a.n, a.len) end
      done = done + #of[node]
      progress.update(self, "addresses", done, #plan)
    end
  end)
  progress.clear(self)
  return plan
end

return M
