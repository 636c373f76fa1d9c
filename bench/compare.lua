-- The build benchmark: the same topology built four ways, in one run, phase
-- by phase, against the kernel floor.
--   1. nsrun;
--   2. a generated shell script, one `ip` process per operation (the
--      tutorial's way);
--   3. the same operations through `ip -batch`: one `ip` process for the
--      namespaces and the veth pairs, then one per namespace;
--   4. Mininet: not run here (see bench/README.md).
-- The operations of 2 and 3 are exactly nsrun's: they are recorded from a
-- dry lab of the same script.  Not a test: no timed assertion.
--   nsrun bench/compare.lua [sizes=4,8,16] [runs=3] [perop_max=16] [chain=1000]
local nsrun = require "nsrun"
local core = nsrun.core

local sizes = {}
for k in tostring(args.sizes or "4,8,16"):gmatch("%d+") do sizes[#sizes + 1] = tonumber(k) end
local RUNS, PEROP_MAX, CHAIN = args.runs or 3, args.perop_max or 16, args.chain or 1000
local out = args.out or "bench/results/compare.md"
local PHASES = { "namespaces", "links", "addresses", "routes", "settings" }

-- the topologies: name, builder
local topos = {}
for _, k in ipairs(sizes) do
  topos[#topos + 1] = { name = "fattree k=" .. k, size = k, build = function(lab) lab:fattree(k) end }
end
topos[#topos + 1] = { name = "leaf-spine 4x16x16", build = function(lab) lab:leafspine { spines = 4, leaves = 16, hosts = 16 } end }
topos[#topos + 1] = { name = ("chain of %d"):format(CHAIN), build = function(lab) lab:linear(CHAIN, { hosts = 0 }) end }

-- Record the operations a dry lab makes: its backend, with a log.
local function record(build)
  local dry = require "nsrun.dry"
  local ops = {}
  local orig = { create = dry.create, root = dry.root }
  local function wrap(ns)
    local o = setmetatable({}, { __index = ns })
    local me = ns.nsname == "" and "-" or ns.nsname
    function o:veth(a, peer, b) ops[#ops + 1] = { "links", "veth", me, a, peer.me, b } return true end
    function o:bridge(name) ops[#ops + 1] = { "links", "bridge", me, name } return true end
    function o:set(ifname, opts)
      if opts.master then ops[#ops + 1] = { "links", "master", me, ifname, opts.master } end
      return true
    end
    function o:addr(ifname, cidr) ops[#ops + 1] = { "addresses", "addr", me, ifname, cidr } return true end
    function o:route(dst, nh) ops[#ops + 1] = { "routes", "route", me, dst, nh } return true end
    function o:sysctl(key, value)
      if value then ops[#ops + 1] = { "settings", "sysctl", me, key, value } return true end
      return ns:sysctl(key)
    end
    o.me = me
    return o
  end
  dry.create = function(name) ops[#ops + 1] = { "namespaces", "ns", name } return wrap(orig.create(name)) end
  dry.root = function() return wrap(orig.root()) end
  local lab = nsrun.lab("rec", { dry = true })
  build(lab)
  lab:autoaddr()
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

local results = {}
for _, topo in ipairs(topos) do
  local ops = record(topo.build)
  local dir = os.tmpname(); os.remove(dir); assert(os.execute("mkdir -p " .. dir))
  local res = { topo = topo.name, ops = #ops, methods = {} }
  local methods = { "nsrun", "batch" }
  if not topo.size or topo.size <= PEROP_MAX then methods[#methods + 1] = "perop" end
  for _, m in ipairs(methods) do
    local runs = m == "perop" and 1 or RUNS
    local samples = {}
    for r = 1, runs do
      collectgarbage()
      local s = { phase = {} }
      local u0, s0, _, cu0, cs0 = core.rusage()
      local avail0
      for line in io.lines("/proc/meminfo") do
        local v = line:match("^MemAvailable:%s+(%d+)"); if v then avail0 = tonumber(v) end
      end
      if m == "nsrun" then
        local lab = nsrun.lab("bench-cmp")
        local t0 = core.now()
        topo.build(lab)
        s.phase.namespaces_links_settings = core.now() - t0
        lab:autoaddr()
        lab:autoroute()
        s.phase.addresses = lab.times.addresses
        s.phase.routes = lab.times.routes
        s.build = core.now() - t0
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
        local td = core.now()
        os.execute(teardown_script(ops, dir))
        s.teardown = core.now() - td
      end
      local u1, s1, rss, cu1, cs1 = core.rusage()
      s.user = (u1 - u0) + (cu1 - cu0)
      s.sys = (s1 - s0) + (cs1 - cs0)
      s.rss = rss
      samples[r] = s
      -- let the kernel free the namespaces before the next run
      os.execute("sleep 2")
      io.stderr:write(("%s / %s run %d: build %.2f s\n"):format(topo.name, m, r, s.build))
    end
    local builds, users, syss = {}, {}, {}
    for i, s in ipairs(samples) do builds[i], users[i], syss[i] = s.build, s.user, s.sys end
    local med, lo, hi = median(builds)
    res.methods[m] = { build = med, lo = lo, hi = hi, user = median(users), sys = median(syss),
      phase = samples[1].phase, teardown = samples[1].teardown, runs = runs }
  end
  os.execute("rm -rf " .. dir)
  results[#results + 1] = res
end

local f = assert(io.open(out, "w"))
f:write(("# Build time: nsrun against `ip -batch` and one `ip` per operation\n\nMeasured %s, kernel %s, %s CPUs, in one run.\n\n")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), io.popen("uname -r"):read("l"), io.popen("nproc"):read("l")))
f:write("| topology | operations | method | build s (median, min–max) | ratio to ip -batch | user CPU s | system CPU s | user share | teardown s |\n")
f:write("|---|---|---|---|---|---|---|---|---|\n")
local names = { nsrun = "nsrun", batch = "ip -batch", perop = "one ip per operation" }
for _, r in ipairs(results) do
  local base = r.methods.batch.build
  for _, m in ipairs { "nsrun", "batch", "perop" } do
    local x = r.methods[m]
    if x then
      f:write(("| %s | %d | %s | %.2f (%.2f–%.2f, %d run%s) | %.2f | %.2f | %.2f | %.0f %% | %.2f |\n")
        :format(r.topo, r.ops, names[m], x.build, x.lo, x.hi, x.runs, x.runs > 1 and "s" or "",
          x.build / base, x.user, x.sys, 100 * x.user / math.max(x.user + x.sys, 1e-9), x.teardown))
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
end
f:write([[

The operations of the `ip` methods are recorded from nsrun's own (a dry lab of the same
topology), so all three make the same namespaces, veth pairs, bridges, addresses, routes and
forwarding settings. CPU is the process's and its children's (`getrusage`). nsrun's time
includes computing the addresses and routes; the scripts only replay them.
]])
f:close()
print("wrote " .. out)

-- build time against size (fat-trees), for bench/plot.gp
local dat = assert(io.open(out:gsub("%.md$", ".dat"), "w"))
dat:write("# namespaces nsrun ip-batch ip-per-operation (seconds; -1: not run)\n")
for _, r in ipairs(results) do
  local k = r.topo:match("^fattree k=(%d+)$")
  if k then
    k = tonumber(k)
    local m = r.methods
    dat:write(("%d %.3f %.3f %.3f\n"):format(5 * k * k // 4 + k * k * k // 4, m.nsrun.build,
      m.batch.build, m.perop and m.perop.build or -1))
  end
end
dat:close()
