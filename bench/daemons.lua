-- The routing daemons benchmark: k-ary fat-trees routed by eBGP (RFC 7938's
-- numbering, ECMP) and by OSPF, with FRR and with BIRD in every switch,
-- against the same fat-tree routed by nsrun's static routes, measured in
-- one run.  For each:
-- the time to build, to start the daemons (until each answers on its control
-- socket), and until every host reaches every host; the daemons' memory
-- (PSS, so pages shared between the routers' processes are counted once)
-- and CPU up to then.  Not a test: no timed assertion; it writes
-- bench/results/daemons.md.
--   nsrun bench/daemons.lua sizes=4,8 daemons=frr,bird protocols=bgp,ospf [ospf_max=8]
--     [within=300] [sample=10000] [out=bench/results/daemons.md]
-- OSPF only up to k = ospf_max: at k = 16 on 2 CPUs FRR's 320 ospfd and
-- zebra saturate the machine and do not converge.
local nsrun = require "nsrun"
local core = nsrun.core

local function list(s, default)
  local t = {}
  for x in tostring(s or default):gmatch("[^,]+") do t[#t + 1] = tonumber(x) or x end
  return t
end
local sizes, daemons = list(args.sizes, "4,8"), list(args.daemons, "frr,bird")
local protocols = list(args.protocols, "bgp,ospf")
local ospf_max = tonumber(args.ospf_max) or 8
local within = tonumber(args.within) or 300
local out = args.out or "bench/results/daemons.md"

local read = require("nsrun.util").slurp

local TICK = tonumber(io.popen("getconf CLK_TCK"):read("l")) or 100

-- a process's PSS (KiB) and CPU (user + system, s); nil once it is gone
local function usage(pid)
  local smaps, stat = read(("/proc/%d/smaps_rollup"):format(pid)), read(("/proc/%d/stat"):format(pid))
  if not smaps or not stat then return nil end
  local fields = {}
  for x in stat:match("%) (.*)"):gmatch("%S+") do fields[#fields + 1] = x end
  -- after the command: state is field 3, utime 14 and stime 15 (proc(5))
  return tonumber(smaps:match("\nPss:%s+(%d+)")), (tonumber(fields[12]) + tonumber(fields[13])) / TICK
end

local function measure(k, daemon, protocol)
  collectgarbage()
  local lab = nsrun.lab(("bench-d%d-%s%s"):format(k, daemon, protocol or ""))
  local t0 = core.now()
  local t = lab:fattree(k)
  lab:autoaddr()
  if daemon == "static" then lab:autoroute() else lab:autoroute { protocol = protocol, daemon = daemon } end
  lab:start()   -- autoroute with a protocol started them already
  -- static: the routes' installation; else the daemons' start
  local started = (daemon == "static" and lab.times.routes or lab.times.daemons) or 0
  local built = core.now() - t0 - started
  local sample = k > 8 and (args.sample or 10000) or nil
  -- one echo a pair, 200 ms for its answer: a sweep is short, so the time
  -- it first holds is precise
  local r = lab:expect(t.hosts):reaches(t.hosts, { sample = sample, within = within,
    timeout_ms = 200, retries = 0 })
  local row = { k = k, daemon = daemon, protocol = protocol, hosts = #t.hosts,
    routers = #t.core + #t.agg + #t.edge,
    built = built, started = started, held = r.held_after, pairs = r.pairs,
    failed = #r.failures, pss = 0, cpu = 0, procs = 0, by = {} }
  for _, node in ipairs(lab.order) do
    for _, p in ipairs(node.daemon and node.daemon.procs or {}) do
      local pss, cpu = usage(p.pid)
      if pss then
        row.pss, row.cpu, row.procs = row.pss + pss, row.cpu + cpu, row.procs + 1
        local b = row.by[p.daemon] or { n = 0, pss = 0 }
        b.n, b.pss = b.n + 1, b.pss + pss
        row.by[p.daemon] = b
      end
    end
  end
  local td = core.now()
  assert(lab:destroy())
  row.teardown = core.now() - td
  io.stderr:write(("k=%d %s %s: built %.2f s, routes or daemons %.2f s, all %d pairs reach %s\n"):format(k,
    protocol or "", daemon, built, started, row.pairs, row.held and ("after %.1f s"):format(row.held)
    or ("NOT after %d s (%d failed)"):format(within, row.failed)))
  -- the kernel frees the namespaces of one size before the next is built
  core.sleep(2)
  return row
end

local rows = {}
for _, k in ipairs(sizes) do
  rows[#rows + 1] = measure(k, "static")
  for _, p in ipairs(protocols) do
    if p ~= "ospf" or k <= ospf_max then
      for _, d in ipairs(daemons) do rows[#rows + 1] = measure(k, d, p) end
    end
  end
end

local function version(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local s = p:read("a")
  p:close()
  return s:match("(%d+%.%d+[%.%d]*)") or "?"
end

local f = assert(io.open(out, "w"))
f:write(("# Routing daemons in a fat-tree\n\nMeasured %s on %s, kernel %s, %s CPUs; FRR %s, BIRD %s.\n\n")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), io.popen("hostname"):read("l"),
    io.popen("uname -r"):read("l"), io.popen("nproc"):read("l"),
    version("/usr/lib/frr/zebra --version"), version("bird --version")))
f:write("| k | routing | routers | hosts | build s | routes installed / daemons up s | "
  .. "then all pairs reach after s | from nsrun's start s | vs static | pairs (failed) | processes | "
  .. "PSS MiB | PSS per router MiB | daemons' CPU s | teardown s |\n")
f:write("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
local static = {}
for _, r in ipairs(rows) do
  local total = r.held and r.built + r.started + r.held
  if r.daemon == "static" then static[r.k] = total end
  local by = {}
  for name, b in pairs(r.by) do by[#by + 1] = ("%s %.1f"):format(name, b.pss / b.n / 1024) end
  table.sort(by)
  f:write(("| %d | %s | %d | %d | %.2f | %.2f | %s | %s | %s | %d (%d) | %d | %.0f | %s | %.1f | %.1f |\n"):format(
    r.k, r.daemon == "static" and "static (nsrun)" or (r.protocol == "bgp" and "eBGP" or "OSPF")
    .. ", " .. r.daemon, r.routers, r.hosts, r.built, r.started,
    r.held and ("%.1f"):format(r.held) or ("not in %d"):format(within),
    total and ("%.1f"):format(total) or "",
    total and static[r.k] and r.daemon ~= "static" and ("%.0f×"):format(total / static[r.k]) or "",
    r.pairs, r.failed, r.procs, r.pss / 1024,
    r.procs > 0 and ("%.2f (%s)"):format(r.pss / 1024 / r.routers, table.concat(by, ", ")) or "",
    r.cpu, r.teardown))
end
f:write([[

*build* is the fat-tree's namespaces, links and addresses, and for the daemons each
router's config written and checked (`vtysh --dryrun`, `bird -p`). Then, static: nsrun
computes and installs the routes; daemons: `lab:start()`, until every daemon answers on its
control socket (FRR: zebra everywhere, then bgpd or ospfd and staticd, then `vtysh -b` in
each router, one after the other while the routers configured first already exchange
routes). *then all pairs reach after* counts from there until a check of every host pair
(a sample of them above k = 8; one echo each, 200 ms for its answer) first passes, that
check's sweep included; the checks repeat every half second. *from nsrun's start* adds the
three: the time from an empty machine to a fabric where every host reaches every host, and
*vs static* is its ratio to the same fabric routed by nsrun's static routes (the kernel's
own cost of the same forwarding state). *PSS* is the proportional set size of all the
daemons' processes (pages shared between them counted once), per router and per daemon;
*CPU* their user and system time; both when every pair reached. OSPF is measured up to
k = 8 (`ospf_max`): at k = 16 on this 2-CPU machine FRR's 320 ospfd and zebra kept it
saturated (load average above 500) without converging in 10 minutes. *teardown* is
`lab:destroy()`: the daemons ended (SIGTERM to all, SIGKILL to those left after 1 s), then
the namespaces.
]])
f:close()
print("wrote " .. out)
