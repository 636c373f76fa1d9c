-- Paths of nsrun that depend on the kernel, for tests/qemu/run on Debian's
-- stock kernel (smoke.sh runs it): attach by PID (no PIDFD_GET_NET_NAMESPACE
-- before 6.11), IPv6 through a router, a bridge inside a node, MTU and MAC,
-- exec in a named namespace (its own mount namespace and /sys), spawn.
--   nsrun --rm kernel.lua pid=N     N: a process in a network namespace of its own
local nsrun = require "nsrun"
local args = args or {}
assert(args.pid, "usage: nsrun --rm kernel.lua pid=N")
local lab = nsrun.lab "qk"

local box = lab:attach("qk-box", { pid = args.pid })
local r   = lab:router "qk-r"
local h   = lab:host "qk-h"
local h2  = lab:host "qk-h2"
local br  = lab:bridge("br0", { node = r })

lab:link(box, "eth0", r, "eth0")
lab:link(r, "eth1", h, "eth0", { mtu = 9000 })
lab:link(h2, "eth0", br)
h:set("eth0", { mac = "02:00:00:00:00:42" })
box:up("lo")

box:addr("eth0", "2001:db8:1::2/64")
r:addr("eth0", "2001:db8:1::1/64")
r:addr("eth1", "2001:db8:2::1/64")
h:addr("eth0", "2001:db8:2::2/64")
box:route("default", { via = "2001:db8:1::1" })
h:route("2001:db8::/32", { via = "2001:db8:2::1" })
br:addr("10.9.0.1/24")
h2:addr("eth0", "10.9.0.2/24")

-- exec sees the node's own /sys (mounted for it, as ip netns exec does)
local function check(what, ok) if not ok then error(what, 0) end print("ok: " .. what) end
local mtu = h:exec "cat /sys/class/net/eth0/mtu"
check("exec in qk-h reads its /sys: mtu " .. tostring(mtu):gsub("%s+$", ""),
      mtu.ok and tostring(mtu):match("^9000") ~= nil)
local mac = h:exec "cat /sys/class/net/eth0/address"
check("mac 02:00:00:00:00:42 set", tostring(mac):match("^02:00:00:00:00:42") ~= nil)
check("br0 is a bridge in qk-r",
      r:exec("ls /sys/class/net/br0/bridge").ok)
local pid = h2:spawn "sleep 300"
check("spawn in qk-h2: pid " .. pid, io.open("/proc/" .. pid .. "/stat") ~= nil)

-- link-local addresses are tentative for a moment: allow 10 s
lab:expect(h):reaches("2001:db8:1::2", { within = 10 })
lab:expect(box):reaches("2001:db8:2::2", { within = 10 })
lab:expect(h2):reaches("10.9.0.1", { within = 10 })
lab:expect(h):does_not_reach "2001:db8:9::1"
