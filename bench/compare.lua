-- The build benchmark: the same topology built four ways, in one run, phase
-- by phase, against the kernel floor.
--   1. nsrun;
--   2. a generated shell script, one `ip` process per operation (the
--      tutorial's way);
--   3. the same operations through `ip -batch`: one `ip` process for the
--      namespaces and the veth pairs, then one per namespace;
--   4. Mininet (bench/mininet_build.py), with Linux-bridge switches and
--      no controller, when it is installed; each run within a time budget.
-- The operations of 2 and 3 are exactly nsrun's: they are recorded from a
-- dry lab of the same script; Mininet builds the same nodes and links, as
-- a bridged network.  Not a test: no timed assertion.  Run it through
-- bench/run, which puts it in private network and mount namespaces.
--   nsrun bench/compare.lua [sizes=4,8,16] [runs=3] [perop_max=16] [chain=1000]
--     [topos=fattree,leafspine,chain,tree] [tree=2,32] [mininet=1] [mininet_budget=600]
--     [mininet_rerun=120] [free_wait=120] [python=/usr/bin/python3]
--     [out=bench/results/compare.md]
local nsrun = require "nsrun"
local core = nsrun.core

local sizes = {}
for k in tostring(args.sizes or "4,8,16"):gmatch("%d+") do sizes[#sizes + 1] = tonumber(k) end
local RUNS, PEROP_MAX, CHAIN = args.runs or 3, args.perop_max or 16, args.chain or 1000
local out = args.out or "bench/results/compare.md"
local PHASES = { "namespaces", "links", "addresses", "routes", "settings" }
-- Mininet: the build's time budget (s); runs after the first only if it
-- took less than mininet_rerun s
local MN_BUDGET, MN_RERUN = args.mininet_budget or 600, args.mininet_rerun or 120
local PYTHON = args.python or "/usr/bin/python3"
-- how long to wait, after a teardown, for the kernel to free what it held
local FREE_WAIT = args.free_wait or 120
local LOAD0 = io.open("/proc/loadavg"):read("l"):match("^(%S+ %S+ %S+)")

-- Mininet, if installed for the python that runs it (not a pyenv shim's)
local MININET = tostring(args.mininet or 1) ~= "0"
  and os.execute(PYTHON .. " -c 'import mininet.net, mininet.nodelib' 2>/dev/null")
  and os.execute("command -v mnexec >/dev/null && command -v brctl >/dev/null")
  and true or false

-- the topologies: name, builder, Mininet's arguments; topos= picks kinds
local kinds = {}
for w in tostring(args.topos or "fattree,leafspine,chain"):gmatch("[%w]+") do kinds[w] = true end
local topos = {}
for _, k in ipairs(kinds.fattree and sizes or {}) do
  topos[#topos + 1] = { name = "fattree k=" .. k, size = k, build = function(lab) lab:fattree(k) end,
    mininet = "fattree " .. k }
end
if kinds.leafspine then
  topos[#topos + 1] = { name = "leaf-spine 4x16x16", mininet = "leafspine 4,16,16",
    build = function(lab) lab:leafspine { spines = 4, leaves = 16, hosts = 16 } end }
end
if kinds.tree then   -- Mininet's own TreeTopo, switched (bridges in the host's namespace)
  local d, f = tostring(args.tree or "2,32"):match("^(%d+),(%d+)$")
  d, f = tonumber(d), tonumber(f)
  topos[#topos + 1] = { name = ("switched tree %d,%d"):format(d, f), mininet = ("tree %d,%d"):format(d, f),
    build = function(lab) lab:tree(d, f, { switches = true }) end,
    addr = { segment_len = 32 - math.ceil(math.log(f ^ d + 2, 2)) } }   -- one segment of f^d hosts
end
if kinds.chain then
  topos[#topos + 1] = { name = ("chain of %d"):format(CHAIN), mininet = "chain " .. CHAIN,
    build = function(lab) lab:linear(CHAIN, { hosts = 0 }) end }
end

-- Record the operations a dry lab makes: its backend, with a log.
local function record(build, addr)
  local dry = require "nsrun.dry"
  local ops = {}
  local orig = { create = dry.create, root = dry.root }
  local function wrap(ns)
    local o = setmetatable({}, { __index = ns })
    local me = ns.nsname == "" and "-" or ns.nsname
    -- per-device IPv4 forwarding, which nsrun sets over netlink (with a
    -- veth end's link-up request, or on its own), a script through /proc/sys
    local function forwarding(ns, ifname, f)
      if f ~= nil then
        ops[#ops + 1] = { "settings", "sysctl", ns, ("net.ipv4.conf.%s.forwarding"):format(ifname), f and "1" or "0" }
      end
    end
    function o:veth(a, peer, b, enda, endb)
      ops[#ops + 1] = { "links", "veth", me, a, peer.me, b }
      forwarding(me, a, enda and enda.forwarding)
      forwarding(peer.me, b, endb and endb.forwarding)
      return true
    end
    function o:bridge(name) ops[#ops + 1] = { "links", "bridge", me, name } return true end
    function o:set(ifname, opts)
      if opts.master then ops[#ops + 1] = { "links", "master", me, ifname, opts.master } end
      forwarding(me, ifname, opts.forwarding)
      return true
    end
    function o:addr(ifname, cidr) ops[#ops + 1] = { "addresses", "addr", me, ifname, cidr } return true end
    function o:route(dst, nh) ops[#ops + 1] = { "routes", "route", me, dst, nh } return true end
    function o:addr_batch(list)
      for _, a in ipairs(list) do o:addr(a.ifname, a.cidr) end
      return true
    end
    function o:route_batch(list)
      for _, r in ipairs(list) do o:route(r.dst, r.nexthops) end
      return true
    end
    function o:sysctl(key, value)
      if value then ops[#ops + 1] = { "settings", "sysctl", me, key, value } return true end
      -- what a real new namespace starts with: IPv4's conf is copied from
      -- the initial namespace's (as this one's), so nsrun writes the same
      -- settings as in a real lab (net.core.devconf_inherit_init_net = 0)
      local f = key:match("^net%.ipv4%.") and io.open("/proc/sys/" .. key:gsub("%.", "/"))
      if f then local v = f:read("l"); f:close(); return v end
      return ns:sysctl(key)
    end
    o.me = me
    return o
  end
  dry.create = function(name) ops[#ops + 1] = { "namespaces", "ns", name } return wrap(orig.create(name)) end
  dry.root = function() return wrap(orig.root()) end
  local lab = nsrun.lab("rec", { dry = true })
  build(lab)
  lab:autoaddr(addr)
  lab:autoroute()
  lab:destroy()
  dry.create, dry.root = orig.create, orig.root
  for i = #nsrun.opened, 1, -1 do if nsrun.opened[i] == lab then table.remove(nsrun.opened, i) end end
  return ops
end

local function nsopt(ns) return ns == "-" and "" or ("-n " .. ns .. " ") end

local function route_args(o)
  local dst, nh = o[4], o[5]
  local s = "route add " .. dst .. " proto static"
  if #nh == 1 then
    if nh[1].via then s = s .. " via " .. nh[1].via end
    if nh[1].dev then s = s .. " dev " .. nh[1].dev end
  else
    for _, h in ipairs(nh) do s = s .. " nexthop via " .. h.via .. (h.dev and (" dev " .. h.dev) or "") end
  end
  return s
end

-- the `ip` commands of one operation (without "ip"), and the namespace
-- whose batch it belongs to ("-": the global batch)
local function commands(o)
  local kind = o[2]
  if kind == "ns" then return { { "-", "netns add " .. o[3] } } end
  if kind == "veth" then
    local function where(ns) return ns == "-" and "" or (" netns " .. ns) end
    return { { "-", ("link add %s%s up type veth peer name %s%s"):format(o[4], where(o[3]), o[6], where(o[5])) },
             { o[5], "link set " .. o[6] .. " up" } }
  end
  if kind == "bridge" then return { { o[3], "link add " .. o[4] .. " up type bridge" } } end
  if kind == "master" then return { { o[3], ("link set %s master %s"):format(o[4], o[5]) } } end
  if kind == "addr" then
    local nodad = o[5]:find(":") and " nodad" or ""
    return { { o[3], ("addr add %s dev %s%s"):format(o[5], o[4], nodad) } }
  end
  if kind == "route" then return { { o[3], route_args(o) } } end
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- scripts[phase] = text, for method "perop" or "batch"
local function scripts(ops, method, dir)
  local files = {}
  for _, p in ipairs(PHASES) do files[p] = {} end
  if method == "perop" then
    for _, o in ipairs(ops) do
      if o[2] == "sysctl" then
        files.settings[#files.settings + 1] = ("ip netns exec %s sysctl -qw %s=%s"):format(o[3], o[4], o[5])
      else
        for _, c in ipairs(commands(o)) do
          local line = ("ip %s%s"):format(nsopt(c[1]), c[2])
          if o[2] == "veth" and c[1] ~= "-" then line = ("ip %s%s"):format(nsopt(c[1]), c[2]) end
          files[o[1]][#files[o[1]] + 1] = line
        end
      end
    end
    for p, lines in pairs(files) do files[p] = table.concat(lines, "\n") .. "\n" end
    return files
  end
  -- batch: per phase, the global batch then one `ip -n NS -batch` per namespace
  local batches, order = {}, {}
  local sysctls, sorder = {}, {}
  for _, o in ipairs(ops) do
    if o[2] == "sysctl" then
      if not sysctls[o[3]] then sysctls[o[3]] = {}; sorder[#sorder + 1] = o[3] end
      table.insert(sysctls[o[3]], o[4] .. "=" .. o[5])
    else
      for _, c in ipairs(commands(o)) do
        local key = o[1] .. "\0" .. c[1]
        if not batches[key] then batches[key] = {}; order[#order + 1] = { o[1], c[1], key } end
        table.insert(batches[key], c[2])
      end
    end
  end
  for i, b in ipairs(order) do
    local f = ("%s/b%d"):format(dir, i)
    local fh = assert(io.open(f, "w"))
    fh:write(table.concat(batches[b[3]], "\n"), "\n")
    fh:close()
    table.insert(files[b[1]], ("ip %s-batch %s"):format(nsopt(b[2]), f))
  end
  for _, ns in ipairs(sorder) do
    table.insert(files.settings, ("ip netns exec %s sysctl -qw %s"):format(ns, table.concat(sysctls[ns], " ")))
  end
  for p, lines in pairs(files) do files[p] = table.concat(lines, "\n") .. "\n" end
  return files
end

local function children_cpu()
  local _, _, _, cu, cs = core.rusage()
  return cu, cs
end

local function run_shell(text, dir, name)
  local f = dir .. "/" .. name .. ".sh"
  local fh = assert(io.open(f, "w"))
  fh:write("set -e\n", text)
  fh:close()
  local t0 = core.now()
  local ok = os.execute("bash " .. f .. " >/dev/null 2>&1")
  return core.now() - t0, ok
end

local function teardown_script(ops, dir)
  local lines = {}
  for _, o in ipairs(ops) do
    if o[2] == "ns" then lines[#lines + 1] = "netns del " .. o[3] end
    if o[2] == "bridge" and o[3] == "-" then lines[#lines + 1] = "link del " .. o[4] end
    if o[2] == "veth" and o[3] == "-" then lines[#lines + 1] = "link del " .. o[4] end
  end
  local f = dir .. "/teardown"
  local fh = assert(io.open(f, "w")); fh:write(table.concat(lines, "\n"), "\n"); fh:close()
  return "ip -force -batch " .. f .. " >/dev/null 2>&1"
end

local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2], t[1], t[#t]
end

-- /proc/meminfo, KiB
local function meminfo()
  local m = {}
  for line in io.lines("/proc/meminfo") do
    local k, v = line:match("^([%w_()]+):%s+(%d+)")
    if k then m[k] = tonumber(v) end
  end
  return m
end

-- The kernel's share of memory: the counters that grow with namespaces,
-- links and processes (the same in bench/mininet_build.py).  Page cache and
-- reclaimable slab are left out: they move with whatever else runs.
local KERNEL = { "SUnreclaim", "Percpu", "KernelStack", "PageTables", "VmallocUsed" }
local function kernel_kib()
  local m, n = meminfo(), 0
  for _, k in ipairs(KERNEL) do n = n + (m[k] or 0) end
  return n
end

-- nsrun's own peak RSS during a build: reset the high-water mark
-- (clear_refs 5), read VmHWM after
local function status(key)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. key .. ":%s+(%d+)")
    if v then return tonumber(v) end
  end
end
local function reset_peak()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5"); f:close() end
end

-- After a teardown: wait until the kernel's share is back within a tenth
-- of what the build took (namespaces are freed after they are deleted);
-- seconds waited.  The next run starts on a quiet kernel.
local function wait_freed(base, took)
  local t0 = core.now()
  while kernel_kib() - base > math.max(took * 0.1, 2048) and core.now() - t0 < FREE_WAIT do
    os.execute("sleep 0.2")
  end
  return core.now() - t0
end

-- Before a run: wait (at most 30 s) until the kernel's share holds still,
-- within 1 MiB over a second -- namespaces deleted before, by this
-- benchmark or anything else on the machine, are freed in the background
-- and would count against this run's memory (and slow it: rtnl_lock).
local function settle()
  local t0, last = core.now(), kernel_kib()
  while core.now() - t0 < 30 do
    os.execute("sleep 1")
    local now = kernel_kib()
    if math.abs(now - last) < 1024 then return end
    last = now
  end
end

-- one Mininet run: the JSON line of bench/mininet_build.py, as a table
local function mininet_run(topo)
  local cmd = ("%s bench/mininet_build.py %s --budget %s"):format(PYTHON, topo.mininet, MN_BUDGET)
  local p = assert(io.popen(cmd))
  local text = p:read("a")
  p:close()
  local line = text:match("\n(%b{})%s*$") or text:match("^(%b{})%s*$")
  if not line then
    io.stderr:write(("%s / mininet: no result:\n%s\n"):format(topo.name, text))
    return nil
  end
  local r = {}
  for k, v in line:gmatch('"([%w_]+)": ([^,{}]+)') do
    r[k] = v == "true" or (v ~= "false" and (tonumber(v) or v:match('^"(.*)"$')))
  end
  return r
end

local results = {}
for _, topo in ipairs(topos) do
  local ops = record(topo.build, topo.addr)
  local dir = os.tmpname(); os.remove(dir); assert(os.execute("mkdir -p " .. dir))
  local res = { topo = topo.name, ops = #ops, methods = {} }
  local methods = { "nsrun", "batch" }
  if not topo.size or topo.size <= PEROP_MAX then methods[#methods + 1] = "perop" end
  if MININET then methods[#methods + 1] = "mininet" end
  for _, m in ipairs(methods) do
    local runs = m == "perop" and 1 or RUNS
    local samples = {}
    local r = 0
    while r < runs do
      r = r + 1
      collectgarbage()
      settle()
      local s = { phase = {} }
      local u0, s0, _, cu0, cs0 = core.rusage()
      local k0 = kernel_kib()
      if m == "mininet" then
        local j = mininet_run(topo)
        if not j then break end
        s.build, s.teardown, s.finished = j.build_s, j.teardown_s or 0, j.finished
        s.phase = { nodes = j.nodes_s, links = j.links_s, addresses = j.addresses_s, start = j.start_s }
        s.kernel, s.rss, s.shells_pss, s.shells = j.kernel_kib, j.peak_rss_kib, j.shells_pss_kib, j.shells
        s.user, s.sys = j.user_s, j.sys_s
        s.built = j.finished and "" or ("%d of %d hosts, %d of %d switches, %d of %d links")
          :format(j.built_hosts or 0, j.hosts, j.built_switches or 0, j.switches, j.built_links or 0, j.links)
        -- one run only if it did not finish, or was slow
        if not s.finished or s.build > MN_RERUN then runs = r end
      elseif m == "nsrun" then
        local lab = nsrun.lab("bench-cmp")
        reset_peak()
        s.rss0 = status("VmRSS")
        local t0 = core.now()
        topo.build(lab)
        s.phase.namespaces_links_settings = core.now() - t0
        lab:autoaddr(topo.addr)
        lab:autoroute()
        s.phase.addresses = lab.times.addresses
        s.phase.routes = lab.times.routes
        s.build = core.now() - t0
        s.kernel = kernel_kib() - k0
        s.rss = status("VmHWM")
        local td = core.now()
        assert(lab:destroy())
        s.teardown = core.now() - td
      else
        local files = scripts(ops, m, dir)
        s.build = 0
        for _, p in ipairs(PHASES) do
          local t, ok = run_shell(files[p], dir, p)
          if not ok then io.stderr:write(("%s %s: phase %s failed\n"):format(topo.name, m, p)) end
          s.phase[p] = t
          s.build = s.build + t
        end
        s.kernel = kernel_kib() - k0
        local td = core.now()
        os.execute(teardown_script(ops, dir))
        s.teardown = core.now() - td
      end
      if m ~= "mininet" then   -- Mininet's are its own process's and its children's
        local u1, s1, _, cu1, cs1 = core.rusage()
        s.user = (u1 - u0) + (cu1 - cu0)
        s.sys = (s1 - s0) + (cs1 - cs0)
      end
      -- let the kernel free the namespaces before the next run, and time it
      s.freed = wait_freed(k0, math.max(s.kernel or 0, 0))
      samples[r] = s
      io.stderr:write(("%s / %s run %d: build %.2f s%s, kernel freed in %.1f s\n"):format(topo.name, m, r,
        s.build, s.finished == false and " (did not finish)" or "", s.freed))
    end
    if #samples > 0 then
      local builds, users, syss, kernels, rsss = {}, {}, {}, {}, {}
      local finished = true
      for i, s in ipairs(samples) do
        builds[i], users[i], syss[i], kernels[i], rsss[i] = s.build, s.user, s.sys, s.kernel, s.rss or 0
        finished = finished and s.finished ~= false
      end
      local med, lo, hi = median(builds)
      local first = samples[1]
      res.methods[m] = { build = med, lo = lo, hi = hi, user = median(users), sys = median(syss),
        kernel = median(kernels), rss = median(rsss), rss0 = first.rss0, shells_pss = first.shells_pss, shells = first.shells,
        phase = first.phase, teardown = first.teardown, freed = first.freed, runs = #samples,
        finished = finished, built = samples[#samples].built }
    end
  end
  os.execute("rm -rf " .. dir)
  results[#results + 1] = res
end

local f = assert(io.open(out, "w"))
local function sh(cmd) local p = io.popen(cmd); local v = p:read("l"); p:close(); return v or "?" end
f:write(("# Build time: nsrun against `ip -batch`, one `ip` per operation and Mininet\n\n"
  .. "Measured %s, kernel %s, %s CPUs, load average %s at the start, in one run, in private network and "
  .. "mount namespaces (`bench/run`). %s\n\n")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), sh("uname -r"), sh("nproc"), LOAD0,
    MININET and ("Mininet %s, each build within a budget of %d s."):format(
      sh("dpkg-query -W -f='${Version}' mininet 2>/dev/null"), MN_BUDGET)
      or "Mininet is not installed: not measured."))
f:write("| topology | operations | method | build s (median, min–max) | ratio to ip -batch | user CPU s | system CPU s | user share | kernel MiB | peak RSS MiB | teardown s | kernel frees s |\n")
f:write("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
local names = { nsrun = "nsrun", batch = "ip -batch", perop = "one ip per operation", mininet = "Mininet" }
local ORDER = { "nsrun", "batch", "perop", "mininet" }
for _, r in ipairs(results) do
  local base = r.methods.batch.build
  for _, m in ipairs(ORDER) do
    local x = r.methods[m]
    if x then
      local build, ratio
      if x.finished then
        build = ("%.2f (%.2f–%.2f, %d run%s)"):format(x.build, x.lo, x.hi, x.runs, x.runs > 1 and "s" or "")
        ratio = ("%.2f"):format(x.build / base)
      else
        build = ("did not finish within %g min (stopped after %.0f s: %s)"):format(MN_BUDGET / 60, x.build, x.built)
        ratio = ("> %.1f"):format(x.build / base)
      end
      local rss = "—"
      if m == "nsrun" then rss = ("%.0f (%.0f)"):format(x.rss / 1024, x.rss0 / 1024) end
      if m == "mininet" then
        rss = ("%.0f + %.0f (%d shells)"):format(x.rss / 1024, (x.shells_pss or 0) / 1024, x.shells or 0)
      end
      f:write(("| %s | %d | %s | %s | %s | %.2f | %.2f | %.0f %% | %.0f | %s | %.2f | %.1f |\n")
        :format(r.topo, r.ops, names[m], build, ratio, x.user, x.sys,
          100 * x.user / math.max(x.user + x.sys, 1e-9), x.kernel / 1024, rss, x.teardown, x.freed))
    end
  end
end
f:write("\n## Phases (first run, seconds)\n\n| topology | method | namespaces | links | addresses | routes | settings |\n|---|---|---|---|---|---|---|\n")
for _, r in ipairs(results) do
  for _, m in ipairs { "batch", "perop" } do
    local x = r.methods[m]
    if x then
      f:write(("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n"):format(r.topo, names[m],
        x.phase.namespaces, x.phase.links, x.phase.addresses, x.phase.routes, x.phase.settings))
    end
  end
  local x = r.methods.nsrun
  f:write(("| %s | nsrun | %.2f (namespaces, links and settings together) | | %.2f | %.2f (incl. computing them) | |\n")
    :format(r.topo, x.phase.namespaces_links_settings, x.phase.addresses, x.phase.routes))
  x = r.methods.mininet
  if x then
    f:write(("| %s | Mininet%s | %.2f (hosts and switches: a shell each) | %.2f (veth pairs) + %.2f (`net.start()`: bridges and their ports) | %.2f (`configHosts`) | — (bridged) | — |\n")
      :format(r.topo, x.finished and "" or " (stopped)", x.phase.nodes or 0, x.phase.links or 0,
        x.phase.start or 0, x.phase.addresses or 0))
  end
end
f:write(([[

The operations of the `ip` methods are recorded from nsrun's own (a dry lab of the same
topology), so those three make the same namespaces, veth pairs, bridges, addresses, routes
and forwarding settings. nsrun's time includes computing the addresses and routes; the
scripts only replay them.

Mininet (`bench/mininet_build.py`, its Python API) builds the same nodes and links with
`LinuxBridge` switches, no controller, STP on where the topology has loops (fat-trees,
leaf-spine): nsrun's routers are its switches, Linux bridges in the root namespace (of the
benchmark's private one), and only its hosts get a namespace, each with a bash shell
(switches too), the addresses Mininet assigns and no routes. It is a bridged (L2) network
where the others are routed (L3). Its build is `Mininet(topo)` and `net.start()`, its
teardown `net.stop()`. A build that outlasts the budget (`mininet_budget`, %d s) is stopped
and torn down, and reported as not finished; after a run longer than %d s it is not repeated.

Columns: *build s* is the median of the runs, with the fastest and slowest; *ratio* is the
median against `ip -batch`'s. *user/system CPU* are the process's and its children's
(`getrusage`), build and teardown together (Mininet's: its Python process and its shells
and commands). *kernel MiB* is what the kernel's counters grew by during the build
(SUnreclaim + Percpu + KernelStack + PageTables + VmallocUsed in `/proc/meminfo`), median
of the runs; they are machine-wide, so other work on the machine adds noise: a run starts
only once they hold still, and a negative value means something else freed more meanwhile.
*peak RSS MiB*: nsrun's own high-water mark during the build (reset before it with
`/proc/self/clear_refs`), with in parentheses what the process held before it (this
script and its recorded operations); Mininet's Python process's peak, plus the
proportional set size of its shells at the end of the build; the `ip` processes' is not
shown. *teardown s* is the first run's (`lab:destroy()`, one `ip -batch` of deletions,
`net.stop()`); *kernel frees s* is how long after it (for Mininet, after its process
exits) the kernel's counters took to come back within a tenth of the build's growth
(namespaces are freed after they are deleted; at most `free_wait`, %d s); the next run
starts after that.
]]):format(MN_BUDGET, MN_RERUN, FREE_WAIT))
f:close()
print("wrote " .. out)

-- build time against size (fat-trees), for bench/plot.gp
local dat = assert(io.open(out:gsub("%.md$", ".dat"), "w"))
dat:write("# namespaces(nsrun's) nsrun ip-batch ip-per-operation mininet mininet-stopped-at (seconds; -1: not run / finished)\n")
for _, r in ipairs(results) do
  local k = r.topo:match("^fattree k=(%d+)$")
  if k then
    k = tonumber(k)
    local m = r.methods
    local mn = m.mininet
    dat:write(("%d %.3f %.3f %.3f %.3f %.3f\n"):format(5 * k * k // 4 + k * k * k // 4, m.nsrun.build,
      m.batch.build, m.perop and m.perop.build or -1,
      mn and mn.finished and mn.build or -1, mn and not mn.finished and mn.build or -1))
  end
end
dat:close()
