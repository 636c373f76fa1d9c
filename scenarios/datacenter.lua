-- A routed leaf-spine fabric, written with loops:
--   nsrun scenarios/datacenter.lua spines=2 leaves=4 hosts=4
-- Every leaf links to every spine (a /31 per link, from 10.0.0.0/16).  Each
-- leaf's hosts share an L2 segment, a bridge inside the leaf, with the
-- subnet 10.1.L.0/24 (the leaf is .1).  Static routes: hosts default to their
-- leaf; a leaf sends 10.1.0.0/16 over all spines (one ECMP route); a spine
-- routes each leaf's /24 to that leaf.  Then every host pings every host.
local nsrun = require "nsrun"
local args = args or {}   -- set by the nsrun interpreter; empty under plain lua5.4

local S, L, H = args.spines or 2, args.leaves or 4, args.hosts or 4
assert(math.type(S) == "integer" and S >= 1, "spines must be a positive integer")
assert(math.type(L) == "integer" and L >= 1 and L <= 254, "leaves must be 1..254")
assert(math.type(H) == "integer" and H >= 0 and H <= 250, "hosts must be 0..250")

local lab = nsrun.lab("dc", { prefix = args.prefix })
local t0 = nsrun.core.now()

local spines = {}
for s = 1, S do spines[s] = lab:router("spine" .. s) end

-- the two ends of point-to-point link k: 10.0.x.y/31
local function p2p(k)
  local base = 2 * k
  assert(base < 65536, "too many leaf-spine links for 10.0.0.0/16")
  local prefix = ("10.0.%d.%%d"):format(base // 256)
  return prefix:format(base % 256), prefix:format(base % 256 + 1)
end

local hosts = {}
for l = 1, L do
  local leaf = lab:router("leaf" .. l)
  local uplinks = {}
  for s, spine in ipairs(spines) do
    local spine_ip, leaf_ip = p2p((l - 1) * S + (s - 1))
    local link = lab:link(leaf, spine)
    leaf:addr(link.a.name, leaf_ip .. "/31")
    spine:addr(link.b.name, spine_ip .. "/31")
    spine:route(("10.1.%d.0/24"):format(l), { via = leaf_ip })
    uplinks[#uplinks + 1] = spine_ip
  end
  leaf:route("10.1.0.0/16", uplinks)          -- ECMP over every spine
  local segment = lab:bridge("hosts", { node = leaf })
  segment:addr(("10.1.%d.1/24"):format(l))
  for h = 1, H do
    local host = lab:host(("h%d-%d"):format(l, h))
    lab:link(host, "eth0", segment)
    host:addr("eth0", ("10.1.%d.%d/24"):format(l, h + 1))
    host:route("default", { via = ("10.1.%d.1"):format(l) })
    hosts[#hosts + 1] = host
  end
end
local built = nsrun.core.now()

local res = lab:pingall(hosts)
print(("leaf-spine: %d spines, %d leaves, %d hosts; built in %.2f s, "
  .. "%d host pairs checked with ping in %.2f s")
  :format(S, L, #hosts, built - t0, res.pairs, nsrun.core.now() - built))
for _, f in ipairs(res.failed) do
  print(("  %s -> %s (%s): unreachable"):format(f.src, f.dst, f.addr))
end
if not res.ok then error(("%d of %d pairs unreachable"):format(#res.failed, res.pairs)) end
