-- The beyond-ping benchmark, in one run on a k-ary fat-tree (static ECMP):
--   * TCP connect checks over every ordered pair of hosts (k=8: 16,256)
--     with nsrun's checker (lab:expect(hosts):connects(hosts, { tcp = })),
--     against `ip netns exec SRC nc -z -w1 DST PORT` per pair, `parallel`
--     at a time, to the same port with an `nc -lk` listening in each host
--     (nc over nc_pairs sampled pairs, all by default);
--   * path discovery for `trace_pairs` sampled pairs (1,000) with nsrun's
--     tracer, against `traceroute -n -q 1 -w 1` per pair (traceroute_pairs
--     of them, 100 by default, the rate scaled to all).
-- Not a test: no timed assertion.  Writes bench/results/services.md.
--   nsrun bench/services.lua [k=8] [parallel=2] [nc_pairs=all] [trace_pairs=1000]
--     [traceroute_pairs=100] [out=bench/results/services.md]
local nsrun = require "nsrun"
local core = nsrun.core
local path = require "nsrun.path"
local ping = require "nsrun.ping"

local k = tonumber(args.k) or 8
local par = tonumber(args.parallel) or 2
local trace_pairs = tonumber(args.trace_pairs) or 1000
local tr_pairs = tonumber(args.traceroute_pairs) or 100
local out = args.out or "bench/results/services.md"
local PORT = 8080

local function have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") end

local lab = nsrun.lab("bench-svc")
local t = lab:fattree(k)
lab:autoaddr()
lab:autoroute()
local hosts = t.hosts
lab:pingall(hosts, { sample = 2000 })   -- neighbour tables warm for both

-- nsrun: every ordered pair, its own listener in each host
local t0 = core.now()
local u0, s0 = core.rusage()
local r = lab:expect(hosts):connects(hosts, { tcp = PORT, name = "all pairs" })
local u1, s1, rss = core.rusage()
local nsrun_s = core.now() - t0
io.stderr:write(("nsrun connects: %d pairs in %.2f s, %d failed\n"):format(r.pairs, nsrun_s, #r.failures))

-- nc -z per pair, to an nc -lk in each host
local nc_s, nc_n, nc_failed, nc_cpu = nil, 0, 0, 0
if have("nc") then
  local procs = {}
  for i, h in ipairs(hosts) do
    local _, p = h:spawn { "nc", "-lk", h:ip(4), tostring(PORT) }
    procs[i] = p
  end
  for _, h in ipairs(hosts) do
    h:sh(("until ss -Hltn sport = :%d | grep -q .; do sleep 0.02; done"):format(PORT))
  end
  local flat = args.nc_pairs and args.nc_pairs ~= "all" and ping.sample(hosts, hosts, tonumber(args.nc_pairs))
    or ping.pairs(hosts, hosts)
  local list = os.tmpname()
  local f = assert(io.open(list, "w"))
  for i = 1, #flat, 2 do
    f:write(hosts[flat[i]].nsname, " ", hosts[flat[i + 1]]:ip(4), "\n")
    nc_n = nc_n + 1
  end
  f:close()
  local _, _, _, cu0, cs0 = core.rusage()
  local t1 = core.now()
  local p = io.popen(("xargs -P %d -L 1 sh -c 'ip netns exec \"$0\" nc -z -w1 \"$1\" %d || echo x' < %s | grep -c x; true")
    :format(par, PORT, list))
  nc_failed = tonumber(p:read("a")) or -1
  p:close()
  nc_s = core.now() - t1
  local _, _, _, cu1, cs1 = core.rusage()
  nc_cpu = (cu1 or 0) - (cu0 or 0) + (cs1 or 0) - (cs0 or 0)
  os.remove(list)
  for _, p2 in ipairs(procs) do core.proc_end(p2.pid, p2.start, 200) end
  io.stderr:write(("nc -z: %d pairs in %.2f s, %d failed\n"):format(nc_n, nc_s, nc_failed))
end

-- paths: nsrun's tracer over sampled pairs, traceroute over fewer
local owner = require("nsrun.diagnose").owners(lab)
local name = function(a) return owner[a] and owner[a].name or a end
local sources, targets = {}, {}
for i, h in ipairs(hosts) do sources[i] = h.ns; targets[i] = h:ip(4) end
path.unlimit(lab.order, hosts)
local sample = ping.sample(hosts, hosts, trace_pairs)
local t2 = core.now()
local u2, s2 = core.rusage()
local traced = path.trace(sources, targets, sample, name, { flows = 1 })
local u3, s3 = core.rusage()
local trace_s = core.now() - t2
local hops, unreached = 0, 0
for _, p in ipairs(traced) do
  hops = hops + #p.paths[1].hops + 1
  if not p.paths[1].reached then unreached = unreached + 1 end
end
io.stderr:write(("nsrun traces: %d pairs in %.2f s, %d unreached\n"):format(#traced, trace_s, unreached))
local tr_s, tr_n, tr_bad
if have("traceroute") then
  local few = ping.sample(hosts, hosts, tr_pairs)
  local list = os.tmpname()
  local f = assert(io.open(list, "w"))
  tr_n = #few // 2
  for i = 1, #few, 2 do f:write(hosts[few[i]].nsname, " ", hosts[few[i + 1]]:ip(4), "\n") end
  f:close()
  local t3 = core.now()
  local p = io.popen(("xargs -P %d -L 1 sh -c 'ip netns exec \"$0\" traceroute -n -q 1 -w 1 -m 16 \"$1\" "
    .. "| tail -1 | grep -q \" $1 \" || echo x' < %s | grep -c x; true"):format(par, list))
  tr_bad = tonumber(p:read("a")) or -1
  p:close()
  tr_s = core.now() - t3
  os.remove(list)
  io.stderr:write(("traceroute: %d pairs in %.2f s, %d unreached\n"):format(tr_n, tr_s, tr_bad))
end
assert(lab:destroy())

local f = assert(io.open(out, "w"))
f:write(("# Beyond ping: TCP connect checks and path discovery on a k=%d fat-tree\n\n"):format(k))
f:write(("Measured %s, kernel %s, %s CPUs, in one run (`sudo ONLY=services bash bench/run`).\n\n")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), io.popen("uname -r"):read("l"), io.popen("nproc"):read("l")))
f:write("## TCP connect, every ordered pair of hosts\n\n")
f:write("| method | pairs | seconds | pairs/s | not connected | CPU s | ratio to nsrun |\n|---|---|---|---|---|---|---|\n")
f:write(("| nsrun `connects(hosts, { tcp = %d })`: one process, non-blocking connects from inside each namespace, its own listener in each | %d | %.2f | %.0f | %d | %.2f | 1.0 |\n")
  :format(PORT, r.pairs, nsrun_s, r.pairs / nsrun_s, #r.failures, (u1 - u0) + (s1 - s0)))
if nc_s then
  local per = nc_s / nc_n
  f:write(("| `ip netns exec SRC nc -z -w1 DST %d`, %d at a time, `nc -lk` in each host | %d | %.2f | %.0f | %d | %.2f | %.1f |\n")
    :format(PORT, par, nc_n, nc_s, nc_n / nc_s, nc_failed, nc_cpu, per * r.pairs / nsrun_s))
  if nc_n ~= r.pairs then
    f:write(("\nnc ran over %d sampled pairs; its ratio is scaled to all %d (%.2f ms a pair).\n"):format(nc_n, r.pairs, per * 1000))
  end
end
f:write(("\nnsrun during the check: user %.2f s, system %.2f s, peak RSS %.0f MiB.\n"):format(u1 - u0, s1 - s0, rss / 1024))
f:write("\n## Path discovery\n\n")
f:write("| method | pairs | seconds | pairs/s | hops found | not reached | ratio to nsrun (per pair) |\n|---|---|---|---|---|---|---|\n")
f:write(("| nsrun tracer: UDP probes, TTL 1..16, every pair at once | %d | %.2f | %.0f | %d | %d | 1.0 |\n")
  :format(#traced, trace_s, #traced / trace_s, hops, unreached))
if tr_s then
  f:write(("| `ip netns exec SRC traceroute -n -q 1 -w 1 -m 16 DST`, %d at a time | %d | %.2f | %.1f | | %d | %.0f |\n")
    :format(par, tr_n, tr_s, tr_n / tr_s, tr_bad, (tr_s / tr_n) / (trace_s / #traced)))
end
f:write(("\nnsrun's tracer: user %.2f s, system %.2f s (its own CPU; the kernel's forwarding of the probes counts in system).\n")
  :format(u3 - u2, s3 - s2))
f:close()
print("wrote " .. out)
