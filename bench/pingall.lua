-- The reachability benchmark: a full pingall of a k-ary fat-tree with
-- nsrun's prober, and the same all-pairs check with fping run in each
-- source namespace (`ip netns exec H fping ...`, `parallel` at a time), in
-- one run.  Not a test.  Writes bench/results/pingall.md.
--   nsrun bench/pingall.lua [k=16] [parallel=4] [out=bench/results/pingall.md]
local nsrun = require "nsrun"
local core = nsrun.core

local k, par = args.k or 16, args.parallel or 4
local out = args.out or "bench/results/pingall.md"
local lab = nsrun.lab("bench-ping")
local t = lab:fattree(k)
lab:autoaddr()
lab:autoroute()
local hosts = t.hosts

-- warm the neighbour tables the same way for both: one sampled round first
lab:pingall(hosts, { sample = 5000 })

local t0 = core.now()
local u0, s0 = core.rusage()
local r = lab:pingall(hosts)
local nsrun_s = core.now() - t0
local u1, s1, rss = core.rusage()
io.stderr:write(("nsrun: %d pairs in %.2f s, %d failed\n"):format(r.pairs, nsrun_s, #r.failed))

-- fping: each host pings every other host's address
local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir))
local names = assert(io.open(dir .. "/sources", "w"))
for i, h in ipairs(hosts) do
  local f = assert(io.open(("%s/%d"):format(dir, i), "w"))
  for j, d in ipairs(hosts) do if i ~= j then f:write(d:ip(4), "\n") end end
  f:close()
  names:write(("%s %d\n"):format(h.nsname, i))
end
names:close()
local t1 = core.now()
local cmd = ("cd %s && xargs -P %d -L 1 sh -c 'ip netns exec \"$0\" fping -q -c 1 -t 1000 -r 2 -i 1 -f \"$1\" 2>&1' "
  .. "< sources | grep -c ' 1/0/' ; true"):format(dir, par)
local p = io.popen(cmd)
local fping_lost = tonumber(p:read("a")) or -1
p:close()
local fping_s = core.now() - t1
os.execute("rm -rf " .. dir)
io.stderr:write(("fping: %.2f s, %d lost\n"):format(fping_s, fping_lost))
assert(lab:destroy())

local f = assert(io.open(out, "w"))
f:write(("# All-pairs reachability of a k=%d fat-tree\n\nMeasured %s, kernel %s, %s CPUs, in one run.\n\n")
  :format(k, os.date("!%Y-%m-%d %H:%M UTC"), io.popen("uname -r"):read("l"), io.popen("nproc"):read("l")))
f:write("| method | hosts | ordered pairs | seconds | pairs/s | unreachable | ratio to nsrun |\n|---|---|---|---|---|---|---|\n")
f:write(("| nsrun prober (one process, raw socket per namespace, epoll) | %d | %d | %.2f | %.0f | %d | 1.0 |\n")
  :format(#hosts, r.pairs, nsrun_s, r.pairs / nsrun_s, #r.failed))
f:write(("| fping in each source namespace, %d at a time | %d | %d | %.2f | %.0f | %d | %.1f |\n")
  :format(par, #hosts, r.pairs, fping_s, r.pairs / fping_s, fping_lost, fping_s / nsrun_s))
f:write(("\nnsrun during the check: user %.2f s, system %.2f s, peak RSS %.0f MiB; RTT min/avg/max %.2f/%.2f/%.2f ms.\n")
  :format(u1 - u0, s1 - s0, rss / 1024, r.rtt.min or 0, r.rtt.avg or 0, r.rtt.max or 0))
f:write("\nBoth after one warm-up round of 5,000 sampled pairs (neighbour tables filled). fping: `-c 1 -t 1000 -r 2 -i 1`, the same retries and timeout as nsrun's defaults.\n")
f:close()
print("wrote " .. out)
