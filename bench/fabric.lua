-- The fabric benchmark: build k-ary fat-trees with nsrun and record the
-- time of each phase, CPU (user vs system) and memory (nsrun's own peak
-- RSS, and what the kernel took: the fall of MemAvailable).  Not a test:
-- no timed assertion; it writes bench/results/fabric.md.
--   nsrun bench/fabric.lua sizes=4,8,16 [sample=200] [out=bench/results/fabric.md]
local nsrun = require "nsrun"
local core = nsrun.core

local sizes = {}
for k in tostring(args.sizes or "4,8,16"):gmatch("%d+") do sizes[#sizes + 1] = tonumber(k) end
local out = args.out or "bench/results/fabric.md"

local function meminfo(key)
  for line in io.lines("/proc/meminfo") do
    local k, v = line:match("^(%w+):%s+(%d+)")
    if k == key then return tonumber(v) end
  end
end

local function netns_count()
  local p = io.popen("ls /run/netns 2>/dev/null | wc -l")
  local n = tonumber(p:read("a")); p:close()
  return n
end

local rows = {}
for _, k in ipairs(sizes) do
  collectgarbage()
  local avail0 = meminfo("MemAvailable")
  local u0, s0 = core.rusage()
  local t0 = core.now()
  local lab = nsrun.lab("bench-ft" .. k)
  local t = lab:fattree(k)
  lab:autoaddr()
  lab:autoroute()
  local u1, s1, rss = core.rusage()
  local kernel_kib = avail0 - meminfo("MemAvailable")
  local res = lab:pingall(t.hosts, { sample = args.sample or 200 })
  local s = lab:summary()
  local td = core.now()
  assert(lab:destroy())
  local teardown = core.now() - td
  -- the kernel frees namespaces after they are deleted: wait for the memory
  local tf = core.now()
  while meminfo("MemAvailable") < avail0 - kernel_kib * 0.1 and core.now() - tf < 120 do
    os.execute("sleep 0.2")
  end
  rows[#rows + 1] = {
    k = k, ns = s.nodes, links = s.links, addrs = s.addresses, routes = s.routes,
    build = s.times.build, addresses = s.times.addresses, routing = s.times.routes,
    check = s.times.check, pairs = res.pairs, failed = #res.failed,
    user = u1 - u0, sys = s1 - s0, rss = rss, kernel = kernel_kib,
    teardown = teardown, freed = core.now() - tf, total = s.times.build + s.times.addresses + s.times.routes,
  }
  io.stderr:write(("k=%d: built in %.2f s, %d/%d pairs ok\n"):format(k, rows[#rows].total,
    res.pairs - #res.failed, res.pairs))
  assert(netns_count() ~= nil)
end

local f = assert(io.open(out, "w"))
f:write(("# Fat-tree build with nsrun\n\nMeasured %s on %s, kernel %s, %s CPUs.\n\n")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), io.popen("hostname"):read("l"),
    io.popen("uname -r"):read("l"), io.popen("nproc"):read("l")))
f:write("| k | namespaces | links | addresses | routes | nodes+links s | addresses s | routes s | build total s | user CPU s | system CPU s | user share | nsrun peak RSS MiB | kernel MiB | ping sample (ok/pairs) | teardown s | kernel frees s |\n")
f:write("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
for _, r in ipairs(rows) do
  f:write(("| %d | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f %% | %.0f | %.0f | %d/%d | %.2f | %.1f |\n")
    :format(r.k, r.ns, r.links, r.addrs, r.routes, r.build, r.addresses, r.routing, r.total,
      r.user, r.sys, 100 * r.user / (r.user + r.sys), r.rss / 1024, r.kernel / 1024,
      r.pairs - r.failed, r.pairs, r.teardown, r.freed))
end
f:write([[

Phases: *nodes+links* is everything up to `autoaddr` (namespaces, veth pairs, bridges,
forwarding settings); *routes* includes computing them. CPU and RSS are nsrun's own (the
`rusage` of the process, from the start of the run); *kernel MiB* is how much MemAvailable
fell during the build. *kernel frees* is how long MemAvailable took to come back after
`nsrun destroy` returned. The comparison with `ip` scripts and Mininet is the performance
issue's benchmark.
]])
f:close()
print("wrote " .. out)
