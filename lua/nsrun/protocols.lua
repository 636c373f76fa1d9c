-- nsrun.protocols: a routing protocol's configuration for every router of a
-- lab, from its graph and addressing, run by FRR or BIRD
-- (lab:autoroute { protocol = "bgp" | "ospf", daemon = "frr" | "bird" }).
--
-- eBGP follows RFC 7938: a session on every router-to-router link (its
-- /31), one ASN per router at the tier next to the hosts (leaves, edge
-- switches), one per pod at the tiers between (a fat-tree's aggregation),
-- one for the top tier (spines, cores) (§5.2; tiers by distance from the
-- hosts, pods as a generator numbered them); multipath across paths of
-- equal length whatever their ASNs (FRR: as-path multipath-relax; BIRD:
-- merge paths), so the kernel gets the ECMP routes static autoroute would
-- compute; each router announces its hosts' subnets and its loopback;
-- optionally BFD on every session.  OSPF: one area, point-to-point links (broadcast
-- where more than two routers share a segment),
-- the hosts' segments passive.  Each config is a readable file in the
-- node's state directory (/run/nsrun/LAB/NODE/etc), and a script's
-- function may replace any of them (opts.config).
local ip4 = require "nsrun.ip4"
local util = require "nsrun.util"
local routing = require "nsrun.routing"

local M = {}

local function fmt(n, len) return ip4.format(n, len) end

-- Each router's tier: its distance from the hosts (1 next to them), and
-- the graph's top.
local function tiers(lab, g)
  local dist, queue, head = {}, {}, 1
  local near = {}
  for _, d in ipairs(g.dests) do
    local p = d.prefixes[1]
    if p and p.len < 32 then
      for _, o in ipairs(d.owners) do near[o] = true end
    end
  end
  for _, r in ipairs(g.routers) do
    if near[r] then dist[r] = 1; queue[#queue + 1] = r end
  end
  if #queue == 0 and g.routers[1] then dist[g.routers[1]] = 1; queue[1] = g.routers[1] end
  while queue[head] do
    local r = queue[head]; head = head + 1
    for _, e in ipairs(g.adj[r]) do
      if not dist[e.to] then dist[e.to] = dist[r] + 1; queue[#queue + 1] = e.to end
    end
  end
  local top = 1
  for _, r in ipairs(g.routers) do
    dist[r] = dist[r] or 1
    top = math.max(top, dist[r])
  end
  return dist, top
end

-- asns(lab, g [, base]) -> { [router] = ASN }: RFC 7938 §5.2, private ASNs
-- from base (64512; 4200000000 when more are needed than 64512..65534 hold)
function M.asns(lab, g, base)
  local dist, top = tiers(lab, g)
  local asn, given, next_asn = {}, {}, nil
  local count = 0
  for _, r in ipairs(g.routers) do
    local key
    if dist[r] == top and top > 1 then key = "top"
    elseif dist[r] > 1 then key = ("tier%d/pod%s"):format(dist[r], r.pod or r.name)
    else key = r end
    if not given[key] then count = count + 1; given[key] = count end
    asn[r] = given[key]
  end
  next_asn = base or (count <= 1023 and 64512 or 4200000000)
  for r, i in pairs(asn) do asn[r] = next_asn + i - 1 end
  return asn
end

-- What one router announces: its hosts' subnets and its loopback.
local function announced(g)
  local out = {}
  for _, d in ipairs(g.dests) do
    for _, o in ipairs(d.owners) do
      out[o] = out[o] or {}
      for _, p in ipairs(d.prefixes) do out[o][#out[o] + 1] = fmt(p.n, p.len) end
    end
  end
  return out
end

-- the router's id: its loopback, else its first address
local function router_id(r)
  for _, a in ipairs(r.addrs) do
    if a.ifname == "lo" and a.cidr:find("^%d+%.") then return (a.cidr:match("^[^/]+")) end
  end
  for _, a in ipairs(r.addrs) do
    if a.cidr:find("^%d+%.") then return (a.cidr:match("^[^/]+")) end
  end
  return "0.0.0.1"
end

local GEN = "! made by nsrun (lab:autoroute); a script's opts.config may replace it\n"

-- the first lines of a router's config, to add to
local function frr_head(r)
  return { GEN, "frr defaults datacenter\n", ("hostname %s\n"):format(r.name),
    "log stdout informational\n", "no zebra nexthop kernel enable\n", "!\n" }
end

local function bird_head(r)
  return { (GEN:gsub("!", "#")), ("router id %s;\n"):format(router_id(r)),
    "protocol device { scan time 10; }\n" }
end

local function frr_bgp(r, info)
  local t = frr_head(r)
  if info.bfd then t[#t + 1] = "bfd\n!\n" end
  t[#t + 1] = ("router bgp %d\n"):format(info.asn[r])
  t[#t + 1] = (" bgp router-id %s\n"):format(router_id(r))
  t[#t + 1] = " no bgp ebgp-requires-policy\n"
  t[#t + 1] = " bgp bestpath as-path multipath-relax\n"
  for _, e in ipairs(info.g.adj[r]) do
    t[#t + 1] = (" neighbor %s remote-as %d\n"):format(e.via, info.asn[e.to])
    t[#t + 1] = (" neighbor %s timers connect 1\n"):format(e.via)
    if info.bfd then t[#t + 1] = (" neighbor %s bfd\n"):format(e.via) end
  end
  t[#t + 1] = " !\n address-family ipv4 unicast\n"
  for _, p in ipairs(info.announce[r] or {}) do t[#t + 1] = ("  network %s\n"):format(p) end
  t[#t + 1] = "  maximum-paths 64\n exit-address-family\nexit\n!\n"
  return table.concat(t)
end

local function bird_bgp(r, info)
  local t = bird_head(r)
  local nets = info.announce[r] or {}
  t[#t + 1] = "protocol direct { ipv4; }\n"
  -- to the kernel: BGP's routes, several next hops merged (ECMP)
  t[#t + 1] = "protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on limit 64; }\n"
  if info.bfd then t[#t + 1] = "protocol bfd { }\n" end
  t[#t + 1] = ("define OWN = [ %s ];\n"):format(#nets > 0 and table.concat(nets, ", ") or "0.0.0.0/32")
  t[#t + 1] = "filter announce { if source = RTS_BGP || net ~ OWN then accept; reject; }\n"
  t[#t + 1] = ("template bgp fabric { local as %d; hold time 9; keepalive time 3; connect delay time 1; connect retry time 1;"
    .. " error wait time 1, 5;%s ipv4 { import all; export filter announce; }; }\n")
    :format(info.asn[r], info.bfd and " bfd on;" or "")
  for i, e in ipairs(info.g.adj[r]) do
    t[#t + 1] = ("protocol bgp n%d from fabric { neighbor %s as %d; source address %s; }\n")
      :format(i, e.via, info.asn[e.to], e.src)
  end
  return table.concat(t)
end

-- the router's interfaces toward other routers, and toward hosts; peers
-- counts the routers met through each (more than one: a shared segment,
-- not point-to-point)
local function interfaces(r, g)
  local p2p, seen, peers = {}, {}, {}
  for _, e in ipairs(g.adj[r]) do
    if not seen[e.dev] then seen[e.dev] = true; p2p[#p2p + 1] = e.dev end
    peers[e.dev] = (peers[e.dev] or 0) + 1
  end
  local stub = {}
  for _, a in ipairs(r.addrs) do
    if not seen[a.ifname] and a.cidr:find("^%d+%.") then
      seen[a.ifname] = true
      stub[#stub + 1] = a.ifname
    end
  end
  return p2p, stub, peers
end

local function frr_ospf(r, info)
  local p2p, stub, peers = interfaces(r, info.g)
  local t = frr_head(r)
  for _, i in ipairs(p2p) do
    t[#t + 1] = ("interface %s\n%s ip ospf hello-interval 1\n ip ospf dead-interval 4\n%s!\n"):format(i,
      peers[i] == 1 and " ip ospf network point-to-point\n" or "", info.bfd and " ip ospf bfd\n" or "")
  end
  -- a router's LSA sent, and taken, again at once as its adjacencies come
  -- up one at a time (FRR waits 5 s between two, takes one a second); SPF
  -- as FRR throttles it (backing off to 5 s: a big fabric stays calm)
  t[#t + 1] = ("router ospf\n ospf router-id %s\n timers throttle lsa all 0\n"
    .. " timers lsa min-arrival 0\n"):format(router_id(r))
  for _, i in ipairs(stub) do t[#t + 1] = (" passive-interface %s\n"):format(i) end
  t[#t + 1] = " network 0.0.0.0/0 area 0\n maximum-paths 64\nexit\n!\n"
  return table.concat(t)
end

local function bird_ospf(r, info)
  local p2p, stub, peers = interfaces(r, info.g)
  local t = bird_head(r)
  t[#t + 1] = "protocol kernel { ipv4 { export where source = RTS_OSPF; }; merge paths on limit 64; }\n"
  if info.bfd then t[#t + 1] = "protocol bfd { }\n" end
  t[#t + 1] = "protocol ospf v2 { ipv4 { import all; export none; }; ecmp yes limit 64; area 0 {\n"
  for _, i in ipairs(p2p) do
    t[#t + 1] = ('  interface "%s" { type %s; hello 1; dead 4;%s };\n'):format(i,
      peers[i] == 1 and "ptp" or "broadcast", info.bfd and " bfd on;" or "")
  end
  for _, i in ipairs(stub) do t[#t + 1] = ('  interface "%s" { stub; };\n'):format(i) end
  t[#t + 1] = "}; }\n"
  return table.concat(t)
end

local WRITERS = { bgp = { frr = frr_bgp, bird = bird_bgp }, ospf = { frr = frr_ospf, bird = bird_ospf } }
local DAEMONS = { bgp = "bgpd", ospf = "ospfd" }

-- configure(lab, opts) -> info: each router of the lab (those that run no
-- daemon yet) gets the protocol's config, run by opts.daemon; then the
-- hosts' default routes, static as autoroute's.  info: { asn = { [router] =
-- ASN } (BGP), configs = { [router] = text } }.
function M.configure(lab, opts)
  local protocol, daemon = opts.protocol, opts.daemon or "frr"
  util.arg(WRITERS[protocol], 1, "autoroute", ("protocol %q is not bgp or ospf"):format(tostring(protocol)))
  util.arg(WRITERS[protocol][daemon], 1, "autoroute", ("daemon %q is not frr or bird"):format(tostring(daemon)))
  util.arg(opts.config == nil or type(opts.config) == "function", 1, "autoroute",
    "config must be a function(node, text, info) returning the config's text")
  local g = routing.graph(lab)
  local info = { g = g, bfd = opts.bfd, announce = announced(g), configs = {} }
  if protocol == "bgp" then info.asn = M.asns(lab, g, opts.asn) end
  for _, r in ipairs(g.routers) do
    if not lab.dry and not lab.plan then routing.hash_seed(r) end   -- the daemons' ECMP too
    if not r.daemon then
      local text = WRITERS[protocol][daemon](r, info)
      -- nsrun's own text is not checked again by the daemon (vtysh
      -- --dryrun costs ~30 ms a router); a script's is
      local check = false
      if opts.config then
        local own = opts.config(r, text, info)
        check, text = own ~= nil and own ~= text, own or text
      end
      info.configs[r] = text
      if daemon == "frr" then
        local daemons = { DAEMONS[protocol] }
        if opts.bfd then daemons[2] = "bfdd" end
        r:frr { daemons = daemons, conf = text, check = check }
      else
        r:bird { conf = text, check = check }
      end
    end
  end
  -- hosts: a default route via their gateway, as static autoroute's
  for host, gw in pairs(g.gateway) do
    local has
    for _, rt in ipairs(host.routes) do has = has or (rt.dst == "default" and not rt.table) end
    if not has then host:route("default", { via = gw.via }) end
  end
  return info
end

return M
