-- The outage benchmark: how long traffic is lost in a k-ary fat-tree when
-- an aggregation-core link goes down, when it turns gray (carrier up, every
-- packet dropped) and when a whole core switch is cut off (node:isolate),
-- routed by nsrun's static ECMP routes, by eBGP
-- (RFC 7938), eBGP with BFD, and OSPF, with FRR and BIRD; and the
-- continuous prober's own resolution and CPU at 10 ms per pair.  Not a
-- test: no timed assertion; it writes bench/results/outage.md.
--   nsrun bench/outage.lua k=8 pairs=300 prober_pairs=1000 routings=static,bgp,bgp+bfd,ospf daemons=frr,bird
--     [within=30] [out=bench/results/outage.md]
local nsrun = require "nsrun"
local core = nsrun.core
local read = require("nsrun.util").slurp

local function list(s, default)
  local t = {}
  for x in tostring(s or default):gmatch("[^,]+") do t[#t + 1] = x end
  return t
end
local k = tonumber(args.k) or 8
local npairs = tonumber(args.pairs) or 300          -- probed through the faults
local prober_pairs = tonumber(args.prober_pairs) or 1000   -- the prober's own cost
local within = tonumber(args.within) or 30
local routings, daemons = list(args.routings, "static,bgp,bgp+bfd,ospf"), list(args.daemons, "frr,bird")
local out = args.out or "bench/results/outage.md"
local TICK = tonumber(io.popen("getconf CLK_TCK"):read("l")) or 100

-- this process's CPU (user + system, s), and its user part
local function cpu()
  local f = {}
  for x in read("/proc/self/stat"):match("%) (.*)"):gmatch("%S+") do f[#f + 1] = x end
  return (tonumber(f[12]) + tonumber(f[13])) / TICK, tonumber(f[12]) / TICK
end

local function fabric(name, routing, daemon)
  local lab = nsrun.lab(name)
  local t = lab:fattree(k)
  lab:autoaddr()
  if routing == "static" then lab:autoroute()
  else
    lab:autoroute { protocol = routing:match("^%a+"), daemon = daemon, bfd = routing:find("bfd") ~= nil }
  end
  return lab, t
end

-- the prober alone: a static fabric, no fault, npairs pairs for 5 s, at
-- 10 ms and at 1 ms: echoes it sent against the schedule, its CPU
local function prober_cost()
  local lab, t = fabric("bench-o-prober", "static")
  local rows = {}
  for _, ms in ipairs { 10, 1 } do
    local c0, u0 = cpu()
    local t0 = core.now()
    local r = lab:expect(t.hosts):survives(function() end, { sample = prober_pairs, interval = ms / 1000,
      hold = 5, within = 5, name = "prober" })
    local wall = core.now() - t0
    local c1, u1 = cpu()
    rows[#rows + 1] = { ms = ms, pairs = r.pairs, slots = #r.timeline.lost, wall = wall, cpu = c1 - c0,
      user = u1 - u0, lost = r.outage.affected, drops = r.outage.drops, skipped = r.outage.skipped }
    local used = c1 - c0
    io.stderr:write(("prober %d pairs every %d ms: %.1f s, CPU %.2f s\n"):format(r.pairs, ms, wall, used))
  end
  lab:destroy()
  core.sleep(2)
  return rows
end

local function measure(routing, daemon)
  local lab, t = fabric(("bench-o-%s-%s"):format((routing:gsub("%+", "")), daemon or "static"), routing, daemon)
  local t0 = core.now()
  lab:expect(t.hosts):reaches(t.hosts, { sample = npairs, within = 300, timeout_ms = 200, retries = 0 })
  local steady = lab:settle { quiet = 3, within = 300 }
  local converged = core.now() - t0
  -- an aggregation-core link (pod 1's first aggregation switch to the
  -- first core switch), then the whole of that core switch.  The first:
  -- every namespace hashes flows with the kernel's one seed, so that an
  -- edge switch's choice among its uplinks repeats at the aggregation
  -- switch above it (ECMP polarization) and some core switches carry no
  -- traffic at all; the first ones do.
  local agg, corenode = t.agg[1], t.core[1]
  local link
  for _, l in pairs(agg.ifaces) do
    if type(l) == "table" and l.a and (l.a.node == corenode or l.b.node == corenode) then link = l end
  end
  -- the link's pairs: pod 1's hosts to the other pods' (whose answers come
  -- back down through a core switch, one in k/2 of them through this link)
  local pod1, others = {}, {}
  for _, h in ipairs(t.hosts) do
    if h.pod == agg.pod then pod1[#pod1 + 1] = h else others[#others + 1] = h end
  end
  local rows = {}
  for _, f in ipairs { { "agg-core link down", function() link:down() end, pod1, others },
                       { "agg-core link gray", function() link:gray() end, pod1, others },
                       { "core switch isolated", function() corenode:isolate() end, t.hosts } } do
    local c0 = cpu()
    local r = lab:expect(f[3]):survives(f[2], { to = f[4], sample = npairs, within = within, name = f[1] })
    local o = r.outage
    rows[#rows + 1] = { fault = f[1], routing = routing, daemon = daemon, pairs = r.pairs, o = o,
      cpu = cpu() - c0, seconds = r.seconds }
    io.stderr:write(("k=%d %s %s, %s: %s\n"):format(k, routing, daemon or "", f[1],
      require("nsrun.outage").describe(o)))
    lab:restore()
    local back = lab:expect(lab:all "router"):matches(steady, { within = 120 })
    rows[#rows].back = back.held_after
  end
  rows.converged = converged
  lab:destroy()
  core.sleep(2)
  return rows
end

local prober = prober_cost()
local results = {}
for _, routing in ipairs(routings) do
  if routing == "static" then results[#results + 1] = measure("static")
  else
    for _, d in ipairs(daemons) do results[#results + 1] = measure(routing, d) end
  end
end

local f = assert(io.open(out, "w"))
f:write(("# Outages: a fat-tree (k = %d) losing a link and a core switch\n\nMeasured %s on %s, kernel %s, %s CPUs.\n\n")
  :format(k, os.date("!%Y-%m-%d %H:%M UTC"), io.popen("hostname"):read("l"),
    io.popen("uname -r"):read("l"), io.popen("nproc"):read("l")))
f:write(("Each fault is applied while %d sampled host pairs (for the link: from its pod's hosts to the "
  .. "other pods', whose answers may come back through it) are probed every 10 ms (what this machine "
  .. "sustains next to the daemons: see the prober's own cost below); a pair's outage runs "
  .. "from its first lost echo to its last. *never* counts pairs still losing %d s after the fault.\n\n")
  :format(npairs, within))
f:write("| routing | converged s | fault | pairs | lost traffic | never recovered | outage min ms | median | p99 | max | all back after s | nsrun CPU s | routes as before, after undoing it, s |\n")
f:write("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
for _, rows in ipairs(results) do
  for _, r in ipairs(rows) do
    local o = r.o
    local name = r.routing == "static" and "static ECMP (nsrun)"
      or ("%s, %s"):format(r.routing == "bgp" and "eBGP" or r.routing == "bgp+bfd" and "eBGP + BFD" or "OSPF", r.daemon)
    f:write(("| %s | %.1f | %s | %d | %d | %d | %s | %s | %s | %s | %s | %.1f | %s |\n"):format(name, rows.converged,
      r.fault, r.pairs, o.affected, o.never,
      o.min_ms and ("%.0f"):format(o.min_ms) or "-", o.median_ms and ("%.0f"):format(o.median_ms) or "-",
      o.p99_ms and ("%.0f"):format(o.p99_ms) or "-", o.max_ms and ("%.0f"):format(o.max_ms) or "-",
      o.back_after and ("%.2f"):format(o.back_after) or ("not in %d"):format(within), r.cpu,
      r.back and ("%.1f"):format(r.back) or "not in 120"))
  end
end
f:write("\n## The prober itself\n\nA static fabric, no fault, 5 s per row: echoes sent against the schedule, "
  .. "and nsrun's CPU while it probes (both threads).\n\n")
f:write("| pairs | interval ms | echoes/s scheduled | intervals probed | of them skipped (late) | pairs that lost an echo | CPU s per s | of it user (the prober's code) |\n")
f:write("|---|---|---|---|---|---|---|---|\n")
for _, p in ipairs(prober) do
  f:write(("| %d | %d | %.0f | %d | %d | %d | %.2f | %.2f |\n"):format(p.pairs, p.ms, p.pairs * 1000 / p.ms,
    p.slots, p.skipped, p.lost, p.cpu / p.wall, p.user / p.wall))
end
f:write([[

*converged* is from the fabric's routes being in (static) or its daemons started, until a
sample of pairs reaches and no route has changed for 3 s (`lab:settle`). Static ECMP routers
skip a next hop whose link lost its carrier (`ignore_routes_with_linkdown`), but a router
whose only way to a prefix is the dead link keeps nothing else: those pairs never recover
until the fault is undone, which is what the kernel does without a control plane. With a
daemon, each router learns of the failure from its own link (link down) or from its peers
(their withdrawals, BGP's hold timer, or BFD); each row measures that. A gray link keeps its
carrier: only the protocol's own timers (BGP's hold time, OSPF's dead interval) or BFD see it,
and static routes never do. Between the faults the
fault is undone and the fabric waits until every router's routes are as before
(`expect(...):matches(snapshot)`, its last column). The prober's CPU is nsrun's while it
probes: its system time includes the kernel forwarding each echo and its reply through the
fabric's namespaces, which runs in the sending thread's context; its user time is the
prober's own code.

]])
f:close()
print("wrote " .. out)
