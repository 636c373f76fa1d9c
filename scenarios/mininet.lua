-- Mininet's topologies, built as `mn --topo ...` builds them with Linux
-- bridges for switches (in the host's namespace, no controller), then its
-- pingall: every host must reach every other.
--   nsrun scenarios/mininet.lua                      mn (minimal: s1, h1, h2)
--   nsrun scenarios/mininet.lua topo=single,3        mn --topo single,3
--   nsrun scenarios/mininet.lua topo=linear,4 arp=1  mn --topo linear,4 --arp
--   nsrun scenarios/mininet.lua topo=tree,depth=2,fanout=3
--   nsrun scenarios/mininet.lua topo=tree,2 link=tc,bw=10,delay=5ms,loss=1
-- Hosts are h1, h2, ... at 10.0.0.1, 10.0.0.2, ... as in Mininet; switches
-- s1, s2, ... (with `prefix=`, both get it).  No IPv6 link-local addresses
-- (ipv6=true keeps them): in one broadcast domain of many hosts, their
-- duplicate address detection and MLD reports flood every port.
-- Mininet's issue 576 (a 1,024-host tree takes hours to start):
--   nsrun scenarios/mininet.lua topo=tree,depth=2,fanout=32
local nsrun = require "nsrun"
local args = args or {}

-- "tree,2,fanout=3" -> "tree", { 2, fanout = 3 } (Mininet's --topo and --link)
local function spec(s)
  local name, params = nil, {}
  for part in tostring(s):gmatch("[^,]+") do
    local k, v = part:match("^([%a_]+)=(.*)$")
    if not name then name = part
    elseif k then params[k] = math.tointeger(tonumber(v)) or tonumber(v) or v
    else params[#params + 1] = math.tointeger(tonumber(part)) or tonumber(part) or part end
  end
  return name, params
end

local lab = nsrun.lab("mininet", { prefix = args.prefix, dry = args.dry, linklocal = args.ipv6 == true })
local topo, p = spec(args.topo or "minimal")
local t
if topo == "minimal" then
  t = lab:star(2, { switches = true })
elseif topo == "single" then
  t = lab:star(p.k or p[1] or 2, { switches = true })
elseif topo == "linear" then
  t = lab:linear(p.k or p[1] or 2, { switches = true, hosts = p.n or p[2] or 1 })
elseif topo == "tree" then
  t = lab:tree(p.depth or p[1] or 1, p.fanout or p[2] or 2, { switches = true })
else
  nsrun.fail(("topo=%s: not one of minimal, single, linear, tree"):format(tostring(args.topo)))
end

-- --link tc,bw=B,delay=D,loss=L: B Mbit/s, L percent, as Mininet's TCLink
if args.link then
  local kind, o = spec(args.link)
  if kind ~= "tc" then nsrun.fail(("link=%s: only tc links take options"):format(args.link)) end
  local imp = { rate = o.bw and (o.bw .. "mbit"), delay = o.delay, loss = o.loss and (o.loss .. "%") }
  if next(imp) then
    for _, l in ipairs(lab.links) do l:impair(imp) end
  end
end

-- one layer-2 segment: a subnet that holds every host (Mininet's is a /8)
local len = 24
while (1 << (32 - len)) < #t.hosts + 2 do len = len - 1 end
lab:autoaddr { segment_len = len }
if args.arp then lab:static_arp() end
print(("mininet %s: %d switches, %d hosts"):format(args.topo or "minimal", #t.switches, #t.hosts))
if lab.dry then return end
-- pingall: every pair up to 100 hosts (9,900 pairs), else `sample` pairs
local sample = #t.hosts > 100 and (args.sample or 10000) or args.sample
lab:expect(t.hosts):reaches(t.hosts, { sample = sample })
