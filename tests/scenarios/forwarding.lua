-- A host with two interfaces does not forward between them; a router does.
-- a -- mid -- b, with routes through mid: mid as a host, then made a router.
local nsrun = require "nsrun"
local lab <close> = nsrun.lab("fwd", { prefix = args and args.prefix })
local a, mid, b = lab:host "fwd-a", lab:host "fwd-mid", lab:host "fwd-b"
lab:link(a, "eth0", mid, "eth0")
lab:link(mid, "eth1", b, "eth0")
a:addr("eth0", "192.0.2.1/30");    mid:addr("eth0", "192.0.2.2/30")
mid:addr("eth1", "192.0.2.5/30");  b:addr("eth0", "192.0.2.6/30")
a:route("192.0.2.4/30", { via = "192.0.2.2" })
b:route("192.0.2.0/30", { via = "192.0.2.5" })
lab:expect(a):reaches(mid)
lab:expect(a):does_not_reach(b, { name = "a host does not forward" })
mid:forwarding(true)
lab:expect(a):reaches(b, { name = "once a router, it forwards", within = 2 })
mid:forwarding(false)
lab:expect(b):does_not_reach(a, { name = "and off again" })
