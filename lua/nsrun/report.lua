-- nsrun.report: the results of `nsrun test` (and of a script's
-- expectations) for people (text), for TAP consumers (prove), for CI
-- systems (JUnit XML) and for programs (JSON).
-- A run: { script =, status = "passed"|"failed"|"error", error =, seconds =,
--          results = { { name, ok, pairs, failures = { {src, dst, addr, reason} },
--                        rtt, where, seconds }, ... } }
local M = {}

local function failure_line(f)
  if f.addr == "" then return ("%s: %s"):format(f.src, f.reason) end   -- a daemon's state
  return ("%s -> %s (%s): %s"):format(f.src, f.dst, f.addr, f.reason)
end

local function detail(r)
  local unit = (r.expect == "state" or r.expect == "golden") and "node" or "pair"
  local s = ("%d %s%s"):format(r.pairs, unit, r.pairs == 1 and "" or "s")
  if not r.ok then s = s .. (", %d failed"):format(#r.failures) end
  if r.outage then s = s .. ", " .. require("nsrun.outage").describe(r.outage) end
  if r.rtt and r.ok and r.expect ~= false then
    -- min and median: what a reader takes for latency (a large sweep's
    -- average counts the prober's own queueing)
    s = s .. (r.pairs == 1 and (", rtt %.2f ms"):format(r.rtt.min)
      or (", rtt %.2f ms min, %.2f ms median"):format(r.rtt.min, r.rtt.median or r.rtt.avg))
  end
  if r.note then s = s .. ", " .. r.note end
  if r.held_after then s = s .. (", held after %.1f s"):format(r.held_after) end
  if r.skip then s = s .. "; not judged: " .. r.skip end
  return s
end

-- what a failed expectation's nodes said: a daemon's last answer and logs
local function system_out(r)
  local t = {}
  for _, f in ipairs(r.failures) do
    if f.answer or f.log then
      t[#t + 1] = ("%s: the last answer:\n%s\n%s"):format(f.src, f.answer or "", f.log or "")
    end
  end
  return #t > 0 and table.concat(t, "\n") or nil
end

local SHOWN = 20   -- failures listed per expectation in text and TAP

-- the first failing node's daemon logs (a state expectation), for text and
-- TAP: the others' are in JUnit's system-out and JSON
local function first_log(r)
  for _, f in ipairs(r.failures) do
    if f.log and f.log ~= "" then return f.src, f.log end
  end
end

-- counts over runs: passed, failed expectations; errors (scenarios)
function M.counts(runs)
  local p, f, e = 0, 0, 0
  for _, run in ipairs(runs) do
    if run.status == "error" then e = e + 1 end
    for _, r in ipairs(run.results) do if r.ok then p = p + 1 else f = f + 1 end end
  end
  return p, f, e
end

function M.text(runs, out)
  for _, run in ipairs(runs) do
    if #runs > 1 or run.script then out:write(("%s\n"):format(run.script)) end
    for _, r in ipairs(run.results) do
      out:write(("  %s %s (%s)\n"):format(r.skip and "skip" or r.ok and "ok  " or "FAIL", r.name, detail(r)))
      if r.summary then out:write("       " .. r.summary .. "\n") end
      for i, f in ipairs(r.failures) do
        if i > SHOWN then out:write(("       ... and %d more\n"):format(#r.failures - SHOWN)) break end
        out:write("       " .. failure_line(f) .. "\n")
      end
      local node, log = first_log(r)
      if node then
        out:write(("       the end of %s's daemon logs:\n         %s\n"):format(node, log:gsub("\n", "\n         ")))
      end
    end
    if run.status == "error" then out:write(("  ERROR %s\n"):format((run.error:gsub("\n", "\n        ")))) end
  end
  local p, f, e = M.counts(runs)
  out:write(("%d passed, %d failed%s\n"):format(p, f, e > 0 and (", %d scenario%s could not run")
    :format(e, e == 1 and "" or "s") or ""))
end

local function yaml_str(s) return "'" .. tostring(s):gsub("'", "''") .. "'" end

-- a survives result's numbers, for TAP's YAML and JUnit's properties
local OUTAGE_KEYS = { "affected", "never", "min_ms", "median_ms", "p99_ms", "max_ms", "back_after",
  "interval_ms", "skipped" }

local function number(v) return math.type(v) == "integer" and v or ("%.3f"):format(v) end

-- the numbers an expectation measured (r.measure: outage's are r.outage),
-- sorted by name: { { key, value }, ... }
local function measured(r)
  local t = {}
  for k, v in pairs(r.measure or {}) do t[#t + 1] = { k, v } end
  table.sort(t, function(a, b) return a[1] < b[1] end)
  return t
end

local function numbers_yaml(o, r)
  local t = {}
  if o then
    t[1] = "  outage:"
    for _, k in ipairs(OUTAGE_KEYS) do
      if o[k] then t[#t + 1] = ("    %s: %s"):format(k, number(o[k])) end
    end
  end
  local m = r and measured(r) or {}
  if #m > 0 then
    t[#t + 1] = "  measure:"
    for _, kv in ipairs(m) do t[#t + 1] = ("    %s: %s"):format(kv[1], number(kv[2])) end
  end
  return t
end

function M.tap(runs, out)
  local n, lines = 0, {}
  for _, run in ipairs(runs) do
    for _, r in ipairs(run.results) do
      n = n + 1
      lines[#lines + 1] = ("%s %d - %s: %s%s"):format(r.ok and "ok" or "not ok", n, run.script, r.name,
        r.skip and " # SKIP " .. r.skip or "")
      if r.ok and (r.held_after or r.outage or r.measure) then
        lines[#lines + 1] = "  ---"
        if r.held_after then lines[#lines + 1] = ("  held_after: %.3f"):format(r.held_after) end
        if r.outage or r.measure then lines[#lines + 1] = "  message: " .. yaml_str(detail(r)) end
        for _, l in ipairs(numbers_yaml(r.outage, r)) do lines[#lines + 1] = l end
        lines[#lines + 1] = "  ..."
      end
      if not r.ok then
        lines[#lines + 1] = "  ---"
        lines[#lines + 1] = "  message: " .. yaml_str(detail(r))
        if r.where then lines[#lines + 1] = "  at: " .. yaml_str(r.where:gsub(": $", "")) end
        if r.summary then lines[#lines + 1] = "  summary: " .. yaml_str(r.summary) end
        for _, l in ipairs(numbers_yaml(r.outage, r)) do lines[#lines + 1] = l end
        lines[#lines + 1] = "  failures:"
        for i, f in ipairs(r.failures) do
          if i > SHOWN then break end
          lines[#lines + 1] = "    - " .. yaml_str(failure_line(f))
        end
        local node, log = first_log(r)
        if node then lines[#lines + 1] = ("  log: %s"):format(yaml_str(node .. ":\n" .. log)) end
        lines[#lines + 1] = "  ..."
      end
    end
    if run.status == "error" then
      n = n + 1
      lines[#lines + 1] = ("not ok %d - %s: the scenario could not run"):format(n, run.script)
      lines[#lines + 1] = "  ---"
      lines[#lines + 1] = "  message: " .. yaml_str(run.error)
      lines[#lines + 1] = "  ..."
    end
  end
  out:write("TAP version 13\n", ("1..%d\n"):format(n), table.concat(lines, "\n"), n > 0 and "\n" or "")
end

local function xml(s)
  return (tostring(s):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&apos;" }):gsub("[%z\1-\8\11\12\14-\31]", "?"))
end

function M.junit(runs, out)
  local p, f, e = M.counts(runs)
  out:write('<?xml version="1.0" encoding="UTF-8"?>\n')
  out:write(('<testsuites name="nsrun" tests="%d" failures="%d" errors="%d">\n'):format(p + f + e, f, e))
  for _, run in ipairs(runs) do
    local fails = 0
    for _, r in ipairs(run.results) do if not r.ok then fails = fails + 1 end end
    out:write(('  <testsuite name="%s" tests="%d" failures="%d" errors="%d" time="%.3f">\n')
      :format(xml(run.script), #run.results + (run.status == "error" and 1 or 0), fails,
        run.status == "error" and 1 or 0, run.seconds or 0))
    for _, r in ipairs(run.results) do
      out:write(('    <testcase classname="%s" name="%s" time="%.3f">'):format(xml(run.script),
        xml(r.name), r.seconds or 0))
      if not r.ok then
        local body = { r.summary }
        for _, x in ipairs(r.failures) do body[#body + 1] = failure_line(x) end
        out:write(('\n      <failure message="%s" type="%s">%s</failure>\n    ')
          :format(xml(detail(r)), type(r.expect) == "string" and r.expect or "unreachable",
            xml(table.concat(body, "\n"))))
        local so = system_out(r)
        if so then out:write(("  <system-out>%s</system-out>\n    "):format(xml(so))) end
      elseif r.skip then
        out:write(('<skipped message="%s"/>'):format(xml(r.skip)))
      end
      -- what it measured, as properties: held_after, the outage's, measure's
      local props = {}
      local function prop(k, v) props[#props + 1] = ('<property name="%s" value="%s"/>'):format(xml(k), v) end
      if r.ok and r.held_after then prop("held_after", ("%.3f"):format(r.held_after)) end
      for _, k in ipairs(OUTAGE_KEYS) do
        if r.outage and r.outage[k] then prop("outage_" .. k, r.outage[k]) end
      end
      for _, kv in ipairs(measured(r)) do prop(kv[1], number(kv[2])) end
      if #props > 0 then out:write("<properties>", table.concat(props), "</properties>") end
      out:write("</testcase>\n")
    end
    if run.status == "error" then
      out:write(('    <testcase classname="%s" name="scenario"><error message="%s"/></testcase>\n')
        :format(xml(run.script), xml(run.error)))
    end
    out:write("  </testsuite>\n")
  end
  out:write("</testsuites>\n")
end

function M.json(runs, out)
  local doc = {}
  for i, run in ipairs(runs) do
    local results = {}
    for k, r in ipairs(run.results) do
      results[k] = { name = r.name, ok = r.ok,
        expect = type(r.expect) == "string" and r.expect or r.expect and "reaches" or "does not reach",
        pairs = r.pairs, seconds = r.seconds, rtt = r.rtt, failures = r.failures, summary = r.summary,
        held_after = r.held_after, outage = r.outage, timeline = r.timeline, note = r.note,
        measure = r.measure, skip = r.skip, paths = r.paths,
        where = r.where and r.where:gsub(": $", "") or nil }
    end
    doc[i] = { script = run.script, status = run.status, error = run.error,
      seconds = run.seconds, results = results }
  end
  local p, f, e = M.counts(runs)
  out:write(require("nsrun.json").encode({ passed = p, failed = f, errors = e, scenarios = doc }), "\n")
end

return M
