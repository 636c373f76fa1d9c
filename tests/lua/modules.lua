-- Pure Lua tests of nsrun's modules, no root: impairments as users write
-- them, JSON both ways, node selection on the command line, the test
-- reports (TAP that prove reads, JUnit, text), snapshot diffs and outages.  Prints TAP; exits non-zero
-- when a test fails.
local impair = require "nsrun.impair"
local json = require "nsrun.json"
local model = require "nsrun.model"
local report = require "nsrun.report"
local util = require "nsrun.util"

local n, failed = 0, 0
local function ok(cond, what)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(("%s %d - %s"):format(cond and "ok" or "not ok", n, what))
end
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

---------------------------------------------------------------- impair

do
  local s = assert(impair.parse { delay = "10ms", jitter = "250us", loss = "1.5%", duplicate = 2,
    reorder = "25%", corrupt = "0.1%", rate = "10mbit", limit = 500 })
  ok(same(s, { delay_us = 10000, jitter_us = 250, loss = 1.5, duplicate = 2, reorder = 25,
    corrupt = 0.1, rate = 10000000, limit = 500 }), "impair: every key, with its units")
  ok(same(assert(impair.parse { delay = 5, rate = "2mbps" }), { delay_us = 5000, rate = 16000000 }),
    "impair: a bare delay is ms; mbps is bytes")
  ok(same(assert(impair.parse { delay = "1.5s", rate = "1gbit" }), { delay_us = 1500000, rate = 1e9 }),
    "impair: seconds and gbit")
  ok(same(assert(impair.parse { loss = "none", delay = false }), {}), "impair: none and false leave a key out")
  local bad = {
    { { delay = "10 parsecs" }, 'delay "10 parsecs": a time' },
    { { loss = "150%" }, "loss 150%: over 100%" },
    { { loss = "5kg" }, 'loss "5kg": a percentage' },
    { { rate = "fast" }, 'rate "fast": a rate' },
    { { limit = -3 }, 'limit "-3": a number of packets' },
    { { jiter = "1ms" }, 'unknown impairment "jiter"' },
  }
  for _, c in ipairs(bad) do
    local s2, why = impair.parse(c[1])
    ok(s2 == nil and why and why:find(c[2], 1, true), "impair: refused with " .. c[2])
  end
  ok(impair.describe { delay_us = 10000, jitter_us = 1500, loss = 60, rate = 20000000, limit = 7 }
    == "delay 10ms jitter 1.5ms loss 60% rate 20mbit limit 7", "impair: described as a user writes it")
  ok(same(impair.pick { mtu = 9000, delay = "1ms" }, { delay = "1ms" }) and impair.pick { mtu = 1 } == nil,
    "impair: picked out of a link's options")
end

---------------------------------------------------------------- json

do
  local v = { lab = "dc", n = 3, f = 1.5, yes = true, no = false, list = { 1, 2, 3 },
    nested = { a = { b = { "x", "y" } } }, text = 'quote " backslash \\ tab \t nl \n ctl \1 é' }
  local back = assert(json.decode(json.encode(v)))
  ok(same(back, v), "json: a round trip keeps every value")
  ok(json.encode({}) == "[]" or json.encode({}) == "{}", "json: an empty table")
  ok(same(json.decode('{"a":[1,{"b":null}],"c":"\\u00e9\\n"}'), { a = { 1, {} }, c = "é\n" }),
    "json: decodes arrays, objects, null and escapes")
  ok(json.decode('{"a":1') == nil, "json: truncated text is refused")
  ok(math.type(json.decode("[7]")[1]) == "integer", "json: whole numbers come back integers")
end

---------------------------------------------------------------- node selection

do
  local m = { lab = "dc", nodes = {} }
  for _, name in ipairs { "spine1", "spine2", "leaf1", "leaf2", "h1-1", "h1-2", "h2-1", "h[1" } do
    m.nodes[#m.nodes + 1] = { name = name }
  end
  local function names(spec)
    local t, why = model.select(m, spec)
    if not t then return why end
    local out = {}
    for i, x in ipairs(t) do out[i] = x.name end
    return table.concat(out, " ")
  end
  ok(names("leaf1") == "leaf1", "select: a name")
  ok(names("h2-1,spine1,leaf2") == "h2-1 spine1 leaf2", "select: names in the order given")
  ok(names("spine*") == "spine1 spine2", "select: a pattern, in the lab's order")
  ok(names("h1-?") == "h1-1 h1-2", "select: ? is one character")
  ok(names("leaf2,*1") == "leaf2 spine1 leaf1 h1-1 h2-1 h[1", "select: a name then a pattern, each node once")
  ok(names("h[1") == "h[1", "select: [ is itself (a name, not a broken pattern)")
  ok(names("h%d-1") == "lab dc has no node h%d-1", "select: % is itself")
  ok(names("nope*") == "no node of lab dc matches nope*", "select: a pattern that matches nothing")
  ok(model.is_pattern("a,b") and model.is_pattern("a*") and not model.is_pattern("h[1"),
    "select: lists and globs name several nodes")
end

---------------------------------------------------------------- reports

do
  local runs = {
    { script = "a.lua", status = "passed", seconds = 0.5, results = {
      { name = "h1 reaches h2", ok = true, expect = true, pairs = 1, failures = {},
        rtt = { min = 0.1, avg = 0.2, max = 0.3 }, seconds = 0.1 } } },
    { script = "b.lua", status = "failed", seconds = 1, results = {
      { name = "x reaches y", ok = false, expect = true, pairs = 2, where = "b.lua:7: ", seconds = 1,
        failures = { { src = "x", dst = "y", addr = "10.0.0.2", reason = "no answer to 3 echoes: it's <lost>" } } } } },
    { script = "c.lua", status = "error", error = "c.lua:1: boom", seconds = 0, results = {} },
    { script = "d.lua", status = "failed", seconds = 1, results = {
      { name = "BGP up", ok = false, expect = "state", pairs = 1, seconds = 1,
        failures = { { src = "r1", dst = "show bgp summary json", addr = "",
          reason = "peers.10.0.0.1.state is \"Active\", want \"Established\"", answer = "{}",
          log = "== bgpd ==\nbgpd[42]: started" } } } } },
  }
  local buf = {}
  local out = { write = function(_, ...) for _, s in ipairs { ... } do buf[#buf + 1] = s end end }
  report.tap(runs, out)
  local tap = table.concat(buf)
  ok(tap:find("^TAP version 13\n1..4\n"), "tap: version and plan")
  ok(tap:find("\nok 1 %- a.lua: h1 reaches h2\n"), "tap: a passing expectation")
  ok(tap:find("\nnot ok 2 %- b.lua: x reaches y\n  %-%-%-\n"), "tap: a failing one, with YAML")
  ok(tap:find("  at: 'b.lua:7'\n", 1, false), "tap: where it is")
  ok(tap:find("'x %-> y %(10.0.0.2%): no answer to 3 echoes: it''s <lost>'"), "tap: YAML quotes doubled")
  ok(tap:find("\nnot ok 3 %- c.lua: the scenario could not run\n"), "tap: a scenario that could not run")
  ok(tap:find("  log: 'r1:\n== bgpd ==\nbgpd[42]: started'\n", 1, true), "tap: a failed state's daemon log")
  buf = {}
  report.junit(runs, out)
  local xml = table.concat(buf)
  ok(xml:find('<testsuites name="nsrun" tests="4" failures="2" errors="1">', 1, true), "junit: the totals")
  ok(xml:find("<system-out>r1: the last answer:\n{}\n== bgpd ==", 1, true), "junit: a failed state's answer and log")
  ok(xml:find("it&apos;s &lt;lost&gt;", 1, true), "junit: text escaped")
  buf = {}
  report.text(runs, out)
  local text = table.concat(buf)
  ok(text:find("1 passed, 2 failed, 1 scenario could not run\n$"), "text: the summary line")
  ok(text:find("       the end of r1's daemon logs:\n         == bgpd ==\n         bgpd[42]: started\n", 1, true),
    "text: a failed state's daemon log")
  local p, f, e = report.counts(runs)
  ok(p == 1 and f == 2 and e == 1, "counts: passed, failed, errors")
end

---------------------------------------------------------------- usage

-- each subcommand's usage line is the man page's SYNOPSIS line (one text)
do
  local f = assert(io.open("../docs/nsrun.1.md"))
  local md = f:read("a")
  f:close()
  local synopsis = md:match("\n# SYNOPSIS\n(.-)\n# ")
  local lines = {}
  for l in synopsis:gmatch("[^\n]+") do lines[(l:gsub("\\", ""):gsub("[*_]", ""))] = true end
  for _, name in ipairs { "run", "test", "list", "destroy", "exec", "inspect", "graph", "impair", "fail",
    "snapshot", "diff", "path" } do
    local usage = require("nsrun.cmd." .. name).usage
    ok(lines[usage], "usage of " .. name .. " is in nsrun(1)'s SYNOPSIS: " .. usage)
  end
end

---------------------------------------------------------------- snapshots, outages

do
  local snapshot = require "nsrun.snapshot"
  local function snap(nodes) return { version = snapshot.VERSION, lab = "t", nodes = nodes } end
  local a = snap { leaf3 = {
    links = { eth1 = { up = true, carrier = true, mtu = 1500 }, eth2 = { up = true, carrier = true, mtu = 1500 } },
    addrs = { "10.0.0.1/31 dev eth1" },
    routes = { ["10.2.0.0/16"] = { nexthops = { "via 10.0.0.0 dev eth1", "via 10.0.0.4 dev eth2" } },
               ["10.9.0.0/16"] = { nexthops = { "via 10.0.0.4 dev eth2" } } } } }
  local b = snap { leaf3 = {
    links = { eth1 = { up = true, carrier = true, mtu = 1500 }, eth2 = { up = false, carrier = false, mtu = 9000 } },
    addrs = { "10.0.0.1/31 dev eth1" },
    routes = { ["10.2.0.0/16"] = { nexthops = { "via 10.0.0.0 dev eth1" } } } } }
  ok(same(snapshot.diff(a, b), { "leaf3: eth2 down", "leaf3: eth2 mtu 1500 -> 9000",
    "leaf3: 10.2.0.0/16 lost next hop via 10.0.0.4 dev eth2", "leaf3: lost route 10.9.0.0/16 (via 10.0.0.4 dev eth2)" }),
    "diff: a link down, its MTU, a lost next hop, a lost route, in words")
  ok(#snapshot.diff(a, a) == 0, "diff: nothing for the same state")
  local c = snap { leaf3 = a.nodes.leaf3, leaf4 = { links = {}, addrs = {}, routes = {} } }
  ok(same(snapshot.diff(a, c), { "leaf4: new node" }) and same(snapshot.diff(c, a), { "leaf4: gone" }),
    "diff: a node new, a node gone")
  a.reach, b.reach = { unreachable = { "h1 -> h2" } }, { unreachable = { "h1 -> h3" } }
  local d = snapshot.diff(a, b)
  ok(d[#d - 1] == "h1 -> h2: reaches now" and d[#d] == "h1 -> h3: no longer reaches", "diff: reachability both ways")
  ok(snapshot.check({ nodes = {} }, "x.json") == nil and select(2, snapshot.check({ version = 99, nodes = {} }, "x.json")):find("version 99"),
    "a file that is no snapshot, or of another version, is refused with a reason")
  local outage = require "nsrun.outage"
  ok(outage.describe { affected = 0 } == "no echo lost", "outage: none")
  ok(outage.describe { affected = 3, never = 0, min_ms = 10, median_ms = 20, p99_ms = 30, max_ms = 30, back_after = 0.03 }
    == "3 lost traffic: outage max 30 ms, p99 30, median 20, min 10 ms; all back after 0.03 s", "outage: the numbers in words")
  local svg = outage.svg { { name = "a <b>", pairs = 4, timeline = { interval_ms = 10, lost = { 0, 4, 2, 0 } } } }
  ok(svg and svg:find("<polyline") and svg:find("a &lt;b&gt;") and not outage.svg { { name = "x", pairs = 1 } },
    "outage: an SVG of the pairs over time (names escaped), none without a timeline")
  local buf = {}
  local out = { write = function(_, ...) for _, x in ipairs { ... } do buf[#buf + 1] = x end end }
  report.tap({ { script = "s.lua", status = "passed", results = { { name = "survive", ok = true, pairs = 4,
    expect = "survives", failures = {}, outage = { affected = 2, never = 0, min_ms = 10, median_ms = 10,
    p99_ms = 20, max_ms = 20, back_after = 0.02, interval_ms = 10 } } } } }, out)
  local tap = table.concat(buf)
  ok(tap:find("ok 1 %- s.lua: survive") and tap:find("    max_ms: 20") and tap:find("    back_after: 0.020"),
    "TAP: a survives result's outage numbers in its YAML block")
  buf = {}
  local runs = { { script = "s.lua", status = "passed", results = {
    { name = "tp", ok = true, pairs = 1, expect = "throughput", failures = {}, note = "20.1 Gbit/s",
      skip = "the CPU was the limit", measure = { bits_per_second = 20100000000, cpu_sender = 97.5 } },
    { name = "web", ok = true, pairs = 2, expect = "connects", failures = {}, held_after = 1.5,
      measure = { open = 2, refused = 0 } } } } }
  report.tap(runs, out)
  tap = table.concat(buf)
  ok(tap:find("ok 1 %- s.lua: tp # SKIP the CPU was the limit") and tap:find("    bits_per_second: 20100000000")
    and tap:find("    cpu_sender: 97.500") and tap:find("    open: 2"), "TAP: a skip, and measured numbers in YAML")
  buf = {}
  report.junit(runs, out)
  local xml = table.concat(buf)
  ok(xml:find('<skipped message="the CPU was the limit"/>') and select(2, xml:gsub("<properties>", "")) == 2
    and xml:find('<property name="held_after" value="1.500"/><property name="open" value="2"/>'),
    "JUnit: a skip; one properties element per test case, with held_after and the measure")
  buf = {}
  report.text(runs, out)
  local text = table.concat(buf)
  ok(text:find("  skip tp %(1 pair, 20.1 Gbit/s; not judged: the CPU was the limit%)")
    and text:find("  ok   web %(2 pairs, held after 1.5 s%)") and text:find("2 passed, 0 failed"),
    "text: skip, a note, counted as passed")
  local path = require "nsrun.path"
  ok(path.show({ hops = { "leaf1", "spine2", "leaf2" }, reached = true }, "h1", "h2") == "h1 -> leaf1 -> spine2 -> leaf2 -> h2"
    and path.show({ hops = { "leaf1", "*" }, reached = false }, "h1", "h2") == "h1 -> leaf1 -> * -> ...",
    "path.show: the ends, hops, * for no answer, ... when it did not reach")
  local svc = require "nsrun.service"
  local p1, p2 = svc.port_of({ tcp = 443 }, "connects")
  local okb, e = pcall(svc.port_of, { tcp = 443, udp = 53 }, "connects")
  ok(p1 == "tcp" and p2 == 443 and not okb and tostring(e):find("say which service"),
    "service.port_of: one protocol and its port")
end

---------------------------------------------------------------- errors

do
  local e = util.err("something broke", 17, "leaf1")
  ok(util.is_error(e) and tostring(e):find("modules%.lua:%d+: something broke$")
    and e.errno == 17 and e.object == "leaf1",
    "an nsrun.error: message at the script's line, errno, object; tostring is the message")
  local okc, e2 = pcall(util.check, nil, "core says no", 2)
  ok(not okc and util.is_error(e2) and e2.errno == 2, "check turns nil, message, errno into an error")
end

print(("1..%d"):format(n))
print(("%d passed, %d failed"):format(n - failed, failed))
os.exit(failed == 0 and 0 or 1)
