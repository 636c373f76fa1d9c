-- The tutorial's home network with real Docker containers: verizon (the
-- ISP), router and laptop started with no network (docker run --net=none),
-- their network namespaces attached under /run/netns, wired with veth pairs
-- and the bridge "home" in the host.  laptop reaches verizon through router.
--   nsrun scenarios/docker-home.lua [image=nsrun-test/busybox]
-- The image needs sh, sleep and ping (busybox has them; .ci/run builds one).
local nsrun = require "nsrun"
local args = args or {}
local lab = nsrun.lab("docker-home", { prefix = args.prefix })
local image = args.image or "nsrun-test/busybox"
local idle = { "sleep", "1000000" }

local verizon = lab:container("verizon", { image = image, cmd = idle })
local router  = lab:container("router", { image = image, cmd = idle, role = "router" })
local laptop  = lab:container("laptop", { image = image, cmd = idle })
local home    = lab:bridge "home"

lab:link(verizon, "eth1", router, "eth0")
lab:link(laptop, "eth1", home)                  -- port: laptop_eth1
lab:link(router, "eth1", home)

verizon:addr("eth1", "203.0.113.1/24")
router:addr("eth0", "203.0.113.2/24")
router:addr("eth1", "192.168.1.1/24")
laptop:addr("eth1", "192.168.1.10/24")
laptop:route("default", { via = "192.168.1.1" })
verizon:route("192.168.1.0/24", { via = "203.0.113.2" })

lab:expect(laptop):reaches(verizon)
lab:expect(verizon):reaches(laptop)
-- and from inside the container, with its own ping
local r = laptop:exec { "ping", "-c", "1", "-W", "2", "203.0.113.1" }
print(("docker exec-style ping from laptop: %s"):format(r.ok and "reachable" or "UNREACHABLE"))
