-- nsrun.outage: how long traffic is lost while a fault is applied, with
-- the continuous prober (core.outage).
--   lab:expect(hosts):survives(function() link:down() end,
--                              { outage = 0.5, within = 10 })
-- Every pair is probed every interval (10 ms) before, during and after the
-- fault; a pair's outage runs from its first lost echo to its last.  The
-- fault stays when the check ends: lab:restore() undoes it.  The fault is
-- applied once every pair has answered (5 s at most).
local core = require "nsrun.core"
local util = require "nsrun.util"
local ping = require "nsrun.ping"
local diagnose = require "nsrun.diagnose"
local expect = require "nsrun.expect"
local Expect = expect.Expect

local fail, arg = util.fail, util.arg

local M = {}
local DIAGNOSE_MAX = 10
local READY_S = 5     -- every pair must answer before the fault, within this

local list, describe = expect.list, expect.describe

-- The q-quantile of a sorted array (nearest rank)
local function quantile(sorted, q)
  if #sorted == 0 then return nil end
  return sorted[math.max(1, math.ceil(q * #sorted))]
end

local OPTS = { outage = true, within = true, hold = true, interval = true, to = true, sample = true,
  timeout_ms = true, name = true }

-- expect(srcs):survives(fault, opts) -> result.  opts: outage (seconds a
-- pair may lose, default: any, as long as it recovers), within (seconds
-- after the fault for every pair to be back, default 10), hold (seconds
-- every pair must answer to count as back, default 1), interval (seconds
-- between a pair's echoes, default 0.01), to (destinations, default the
-- sources themselves), sample (n pairs), timeout_ms (an echo's, default
-- 1000), name.
function Expect:survives(fault, opts)
  arg(type(fault) == "function", 1, "survives", "a function that applies the fault expected")
  arg(opts == nil or type(opts) == "table", 2, "survives", "table expected")
  opts = opts or {}
  for k in pairs(opts) do
    arg(OPTS[k], 2, "survives", ("unknown option %q"):format(tostring(k)))
  end
  local function seconds(k, lo, hi)
    local v = opts[k]
    if v == nil then return nil end
    if type(v) ~= "number" or v < lo or v > hi then
      fail(("survives: %s %s: a number of seconds, %g to %g"):format(k, tostring(v), lo, hi))
    end
    return v
  end
  local within, hold = seconds("within", 0.001, 3600) or 10, seconds("hold", 0.001, 3600) or 1
  local interval, max_outage = seconds("interval", 0.001, 60) or 0.01, seconds("outage", 0, 3600)
  if opts.sample ~= nil and (math.type(opts.sample) ~= "integer" or opts.sample < 1) then
    fail(("survives: sample %s: a number of pairs, 1 or more"):format(tostring(opts.sample)))
  end
  if opts.timeout_ms ~= nil and (math.type(opts.timeout_ms) ~= "integer" or opts.timeout_ms < 1
     or opts.timeout_ms > 60000) then
    fail(("survives: timeout_ms %s: 1 to 60000"):format(tostring(opts.timeout_ms)))
  end
  arg(opts.name == nil or type(opts.name) == "string", 2, "survives", "name: a string expected")
  local lab = self.lab
  local srcs = self.src
  local dsts = srcs
  if opts.to then
    dsts = {}
    for i, d in ipairs(list(opts.to)) do dsts[i] = ping.resolve(lab, d) end
  end
  local name = opts.name or ("%s survive%s the fault"):format(describe(srcs), #srcs > 1 and "" or "s")
  if #srcs > 1 and dsts ~= srcs then name = opts.name or ("%s -> %s survive the fault"):format(describe(srcs), describe(dsts)) end
  if lab.plan then return { ok = true, name = name, pairs = 0, failures = {} } end
  if lab.dry then fail("a dry lab sends no packet") end
  local sources, targets = {}, {}
  for i, s in ipairs(srcs) do
    if not s.ns then fail("survives: a source must be a node") end
    sources[i] = s.ns
  end
  for j, d in ipairs(dsts) do targets[j] = ping.target(d) end
  ping.guard(lab, srcs, dsts, targets)
  local pairs
  if opts.sample then pairs = ping.sample(srcs, dsts, opts.sample)
  elseif dsts ~= srcs then pairs = ping.pairs(srcs, dsts) end
  local t0 = core.now()
  local run <close>, msg, code = core.outage(sources, targets, pairs, { interval_ms = interval * 1000,
    timeout_ms = opts.timeout_ms, hold_ms = math.ceil(hold * 1000), within_ms = math.ceil(within * 1000) })
  if not run then fail("survives: " .. msg, code) end
  local function wait()
    local res, why, errno = run:wait()
    if not res then fail("survives: " .. why, errno) end
    return res
  end
  local npairs = pairs and #pairs // 2 or #srcs * (#srcs - 1)
  local function pair_of(x) return srcs[x.src], dsts[x.dst], targets[x.dst] end
  local r = { name = name, expect = "survives", pairs = npairs, where = self.where, failures = {} }
  -- before the fault: every pair answers
  local deadline = core.now() + READY_S
  while run:answered() < npairs and core.now() < deadline do core.sleep(0.01) end
  if run:answered() < npairs then
    local res = wait()
    for i, x in ipairs(res.silent) do
      local s, d, addr = pair_of(x)
      local why = "no answer before the fault"
      if i <= DIAGNOSE_MAX then why = why .. "; " .. (diagnose.explain(lab, s, addr)) end
      r.failures[i] = { src = s.name, dst = d.name or addr, addr = addr, reason = why }
    end
    r.ok, r.seconds = false, core.now() - t0
    r.summary = ("%d of %d pairs did not reach before the fault: it was not applied"):format(#res.silent, npairs)
    return expect.record(lab, r)
  end
  run:mark()
  local ok, err = pcall(fault)
  if not ok then run:close(); error(err, 0) end
  run:applied()   -- hold counts from here
  local res = wait()
  local ms = res.interval_ms
  local total_ms = #res.lost * ms
  local ended_by_hold = total_ms < within * 1000
  -- each hit pair's outage: first lost to last lost echo
  local spans, owner, back_ms = {}, diagnose.owners(lab), 0
  local bad = {}
  for _, x in ipairs(res.hit) do
    local span = x.last_ms - x.first_ms + ms
    spans[#spans + 1] = span
    back_ms = math.max(back_ms, x.last_ms + ms)
    local never = not ended_by_hold and x.last_ms + ms > total_ms - hold * 1000
    if never or (max_outage and span > max_outage * 1000 + 1e-6) then
      bad[#bad + 1] = { x = x, never = never, span = span }
    end
  end
  table.sort(spans)
  table.sort(bad, function(p, q)
    if p.never ~= q.never then return p.never end
    return p.span > q.span
  end)
  local never_count = 0
  for i, b in ipairs(bad) do
    local s, d, addr = pair_of(b.x)
    local why
    if b.never then
      never_count = never_count + 1
      why = ("never recovered within %g s (%d of %d echoes lost)"):format(within, b.x.lost, b.x.sent)
      if b.x.reason or b.x.icmp then why = why .. ", " .. ping.reason(b.x, addr, owner) end
    else
      why = ("outage %.0f ms > %.0f ms (%d echoes lost)"):format(b.span, max_outage * 1000, b.x.lost)
    end
    local path, brk
    if i <= DIAGNOSE_MAX and b.never then
      local text
      text, path, brk = diagnose.explain(lab, s, addr)
      why = why .. "; " .. text
    end
    r.failures[i] = { src = s.name, dst = d.name or addr, addr = addr, reason = why, path = path,
      brk = brk, outage_ms = b.span }
  end
  r.ok = #bad == 0
  r.seconds = core.now() - t0
  r.outage = { affected = #res.hit, never = never_count, interval_ms = ms, drops = res.drops,
    skipped = res.skipped,
    min_ms = quantile(spans, 0), median_ms = quantile(spans, 0.5), p99_ms = quantile(spans, 0.99),
    max_ms = spans[#spans], back_after = never_count == 0 and back_ms / 1000 or nil,
    limit_ms = max_outage and max_outage * 1000 or nil, within = within }
  r.timeline = { interval_ms = ms, lost = res.lost }
  if not r.ok then
    r.summary = diagnose.summary(r.failures)
    if never_count > 0 then
      r.summary = ("%d pair%s never recovered%s"):format(never_count, never_count == 1 and "" or "s",
        r.summary and "; " .. r.summary or "")
    end
  end
  lab.times.check = (lab.times.check or 0) + r.seconds
  return expect.record(lab, r)
end

local function skipped(o)
  return ("; the prober skipped %d interval%s, too busy for the rate asked"):format(o.skipped,
    o.skipped == 1 and "" or "s")
end

-- "12 of 240 pairs lost traffic: outage max 850 ms, p99 800, median 420,
-- min 10; all back after 1.20 s" for reports
function M.describe(o)
  if not o then return nil end
  if o.affected == 0 then
    return "no echo lost" .. (o.skipped and o.skipped > 0 and skipped(o) or "")
  end
  local s = ("%d lost traffic: outage max %.0f ms, p99 %.0f, median %.0f, min %.0f ms")
    :format(o.affected, o.max_ms, o.p99_ms, o.median_ms, o.min_ms)
  if o.back_after then s = s .. ("; all back after %.2f s"):format(o.back_after)
  else s = s .. ("; %d never recovered within %g s"):format(o.never, o.within) end
  if o.drops and o.drops > 0 then s = s .. ("; the prober could not send %d echoes"):format(o.drops) end
  if o.skipped and o.skipped > 0 then s = s .. skipped(o) end
  return s
end

-- svg(results, path): the pairs that reach over time, from the fault on,
-- one line per survives result: the picture a design review wants
function M.svg(results)
  local series = {}
  for _, r in ipairs(results) do
    if r.timeline and #r.timeline.lost > 0 then series[#series + 1] = r end
  end
  if #series == 0 then return nil end
  local W, H, L, B, T, R = 720, 400, 60, 50, 20, 20
  local xmax = 0
  for _, r in ipairs(series) do xmax = math.max(xmax, #r.timeline.lost * r.timeline.interval_ms / 1000) end
  local out = { ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'):format(W, H + 20 * #series),
    ('<rect width="%d" height="%d" fill="white"/>'):format(W, H + 20 * #series) }
  local pw, ph = W - L - R, H - T - B
  local function X(t) return L + pw * t / xmax end
  local function Y(pct) return T + ph * (1 - pct / 100) end
  for i = 0, 4 do   -- grid: 0, 25, ... 100 %
    local y = Y(i * 25)
    out[#out + 1] = ('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%d%%</text>')
      :format(L, y, W - R, y, L - 6, y + 4, i * 25)
  end
  for i = 0, 5 do
    local t = xmax * i / 5
    out[#out + 1] = ('<text x="%.1f" y="%d" text-anchor="middle">%.2f</text>'):format(X(t), H - B + 16, t)
  end
  out[#out + 1] = ('<text x="%d" y="%d" text-anchor="middle">seconds after the fault</text>'):format(L + pw // 2, H - B + 34)
  out[#out + 1] = ('<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle">pairs reaching</text>'):format(T + ph // 2, T + ph // 2)
  local colors = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" }
  for i, r in ipairs(series) do
    local pts, ms = {}, r.timeline.interval_ms
    for k, lost in ipairs(r.timeline.lost) do
      pts[#pts + 1] = ("%.1f,%.1f"):format(X((k - 1) * ms / 1000), Y(100 * (r.pairs - lost) / r.pairs))
    end
    local c = colors[(i - 1) % #colors + 1]
    out[#out + 1] = ('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>'):format(c, table.concat(pts, " "))
    local label = r.name:gsub("[&<>]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;" })
    out[#out + 1] = ('<rect x="%d" y="%d" width="12" height="3" fill="%s"/><text x="%d" y="%d">%s (%d pairs)</text>')
      :format(L, H + 20 * (i - 1) - 2, c, L + 18, H + 20 * (i - 1) + 3, label, r.pairs)
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n") .. "\n"
end

return M
