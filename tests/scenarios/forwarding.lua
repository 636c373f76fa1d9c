-- Forwarding, as the kernel and a user see it, whatever the host has
-- (run it on a host with net.ipv4.ip_forward 0 and 1: tests/qemu/smoke.sh):
--   * a router's namespace forwards (ip_forward 1, every interface, those
--     linked later too); a host's and a plain node's do not;
--   * a user's own forwarding sysctl takes effect as `sysctl -w` inside
--     `ip netns exec` would: before or after the links, through
--     node:sysctl or a command run in the node;
--   * a host with two interfaces does not forward; made a router, it does.
-- Each case is a chain a -- mid -- b with routes through mid.
local nsrun = require "nsrun"
local lab = nsrun.lab("fwd", { prefix = args and args.prefix })

local n = 0
local function chain(mid, link_now)
  n = n + 1
  local a, b = lab:host("fwd-a" .. n), lab:host("fwd-b" .. n)
  local function wire()
    lab:link(a, "eth0", mid, "eth0")
    lab:link(mid, "eth1", b, "eth0")
    local base = (n - 1) * 16
    a:addr("eth0", ("192.0.2.%d/30"):format(base + 1))
    mid:addr("eth0", ("192.0.2.%d/30"):format(base + 2))
    mid:addr("eth1", ("192.0.2.%d/30"):format(base + 5))
    b:addr("eth0", ("192.0.2.%d/30"):format(base + 6))
    a:route(("192.0.2.%d/30"):format(base + 4), { via = ("192.0.2.%d"):format(base + 2) })
    b:route(("192.0.2.%d/30"):format(base), { via = ("192.0.2.%d"):format(base + 5) })
  end
  if link_now then wire() end
  return a, b, wire
end

-- what the kernel says, read with sysctl(8) in the node
local function sysctl(node, key)
  return node:exec { "sysctl", "-n", key }.stdout:match("%d+")
end
local function want(node, key, value)
  local got = sysctl(node, key)
  if got ~= value then nsrun.fail(("%s: %s is %s, want %s"):format(node.name, key, got, value)) end
end

-- roles
local r, h, plain = lab:router "fwd-r", lab:host "fwd-h", lab:node "fwd-n"
want(r, "net.ipv4.ip_forward", "1")
want(r, "net.ipv4.conf.default.forwarding", "1")
want(h, "net.ipv4.ip_forward", "0")
want(plain, "net.ipv4.ip_forward", "0")
local a1, b1 = chain(r, true)
want(r, "net.ipv4.conf.eth0.forwarding", "1")
want(r, "net.ipv4.conf.eth1.forwarding", "1")
lab:expect(a1):reaches(b1, { name = "a router forwards" })

-- a host with two interfaces; made a router, and a host again
local mid = lab:host "fwd-mid"
local a2, b2 = chain(mid, true)
lab:expect(a2):reaches(mid)
lab:expect(a2):does_not_reach(b2, { name = "a host does not forward" })
mid:forwarding(true)
lab:expect(a2):reaches(b2, { name = "made a router, it forwards", within = 2 })
mid:forwarding(false)
lab:expect(b2):does_not_reach(a2, { name = "and a host again, it does not" })

-- a plain node, the user's sysctl before its links
local n3 = lab:node "fwd-n3"
n3:sysctl("net.ipv4.ip_forward", 1)
local a3, b3, wire3 = chain(n3, false)
wire3()
lab:expect(a3):reaches(b3, { name = "node:sysctl ip_forward=1 before the links" })

-- the same, after the links
local n4 = lab:node "fwd-n4"
local a4, b4 = chain(n4, true)
lab:expect(a4):does_not_reach(b4, { name = "a plain node does not forward" })
n4:sysctl("net.ipv4.ip_forward", 1)
lab:expect(a4):reaches(b4, { name = "node:sysctl ip_forward=1 after the links", within = 2 })
n4:sysctl("net.ipv4.conf.all.forwarding", 0)
lab:expect(a4):does_not_reach(b4, { name = "conf.all.forwarding=0 stops it" })

-- the tutorial's way: sysctl -w in the node, behind nsrun's back
local n5 = lab:node "fwd-n5"
local a5, b5 = chain(n5, true)
n5:exec "sysctl -w net.ipv4.ip_forward=1"
lab:expect(a5):reaches(b5, { name = "sysctl -w net.ipv4.ip_forward=1 in the node", within = 2 })

-- one interface only: the kernel forwards by the flag of the interface a
-- packet comes in on
local n6 = lab:node "fwd-n6"
chain(n6, true)
n6:sysctl("net.ipv4.conf.eth0.forwarding", 1)
want(n6, "net.ipv4.conf.eth0.forwarding", "1")
want(n6, "net.ipv4.conf.eth1.forwarding", "0")
want(n6, "net.ipv4.ip_forward", "0")
