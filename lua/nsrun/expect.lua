-- nsrun.expect: expectations about reachability, checked with the native
-- prober, recorded in lab.results for reports.
--   lab:expect(laptop):reaches "203.0.113.1"
--   lab:expect(guest):does_not_reach(server)
--   lab:expect(hosts):reaches(hosts)                       -- every pair
--   lab:expect(hosts):reaches(hosts, { sample = 1000 })    -- 1000 pairs
--   lab:expect(a):reaches(b, { within = 30 })              -- wait to converge
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local ping = require "nsrun.ping"
local diagnose = require "nsrun.diagnose"

local Expect = { __name = "nsrun.expect" }
Expect.__index = Expect

local M = { Expect = Expect }
local DIAGNOSE_MAX = 10   -- pairs explained per expectation
local MIN_SIZE, MAX_SIZE = 32, 65507   -- an echo's data (core/probe.h)

-- a node, an address or a list of them, as a list
local function list(x) return (type(x) == "table" and not getmetatable(x)) and x or { x } end
M.list = list

-- them in an expectation's name: "leaf1", "8 nodes"
local function describe(x)
  if type(x) == "string" then return x end
  if getmetatable(x) then return x.name end
  if #x == 1 then return describe(x[1]) end
  return ("%d nodes"):format(#x)
end
M.describe = describe

-- record(lab, r) -> r: one more result for the lab's reports
function M.record(lab, r)
  lab.results = lab.results or {}
  lab.results[#lab.results + 1] = r
  return r
end

function M.new(lab, src)
  util.arg(src ~= nil, 1, "expect", "a node or a list of nodes expected")
  return setmetatable({ lab = lab, src = list(src), where = util.where() }, Expect)
end

-- the probe: sources, targets, and the pairs (s, d), s ~= d, as a flat
-- array { s1, d1, s2, d2, ... }; nil when the prober itself can make every
-- pair of one list (a group to itself: no million-entry table in Lua)
local function plan(srcs, dsts, opts, flat_needed)
  local sources, targets, names = {}, {}, {}
  for i, s in ipairs(srcs) do
    if getmetatable(s) == nil or not s.ns then util.fail("expect: a source must be a node") end
    sources[i] = s.ns
  end
  for j, d in ipairs(dsts) do
    targets[j] = ping.target(d)
    names[j] = type(d) == "string" and d or d.name
  end
  local pairs = {}
  if opts.sample then
    pairs = ping.sample(srcs, dsts, opts.sample)
  elseif srcs == dsts and not flat_needed then
    return sources, targets, nil, names, #srcs * (#srcs - 1)
  else
    pairs = ping.pairs(srcs, dsts)
  end
  return sources, targets, pairs, names, #pairs // 2
end
M.plan = plan

-- expect(hosts):reaches(hosts): the same nodes, in the same order
local function src_is_dst(src, dst)
  if src == dst then return true end
  if type(dst) ~= "table" or getmetatable(dst) or #dst ~= #src then return false end
  for i = 1, #src do if src[i] ~= dst[i] then return false end end
  return true
end
M.src_is_dst = src_is_dst

local function check(self, dst, want, opts)
  util.arg(dst ~= nil, 1, want and "reaches" or "does_not_reach", "a node, an address or a list expected")
  util.arg(opts == nil or type(opts) == "table", 2, want and "reaches" or "does_not_reach", "table expected")
  opts = opts or {}
  local lab = self.lab
  if lab.plan then return { ok = true, name = opts.name or "", pairs = 0, failures = {} } end
  if lab.dry then util.fail("a dry lab sends no packet") end
  -- a string that is no address names a node: reaches("leaf1")
  local dsts = {}
  for i, d in ipairs(list(dst)) do dsts[i] = ping.resolve(lab, d) end
  local srcs = self.src
  local verb = #srcs > 1 and (want and "reach" or "do not reach") or (want and "reaches" or "does not reach")
  local name = opts.name or ("%s %s %s"):format(describe(srcs), verb, describe(dsts))
  if opts.size ~= nil then
    local fname = want and "reaches" or "does_not_reach"
    if math.type(opts.size) ~= "integer" or opts.size < MIN_SIZE or opts.size > MAX_SIZE then
      util.fail(("%s: size %s: the bytes of data in each echo, as ping -s, %d..%d (nsrun's own "
        .. "header in the echo is %d bytes)"):format(fname, tostring(opts.size), MIN_SIZE, MAX_SIZE, MIN_SIZE))
    end
    if not opts.name then name = name .. (" with %d bytes%s"):format(opts.size, opts.df and ", don't fragment" or "") end
  end
  local traces = want and require("nsrun.path").check_opts(lab, opts, "reaches")
  if traces and not opts.name then
    if traces.via then name = name .. " via " .. table.concat(traces.via, ", ") end
    if traces.path then name = name .. " by " .. table.concat(traces.path, " -> ") end
    if opts.spread then name = name .. (" over %d paths or more"):format(opts.spread) end
  end
  if src_is_dst(self.src, dst) then dsts = srcs end
  local sources, targets, pairs, names, npairs = plan(srcs, dsts, opts, traces or not want)
  ping.guard(lab, srcs, dsts, targets)
  if opts.size then require("nsrun.path").unlimit(lab.order) end   -- every router's "too big"
  local t0 = core.now()
  local deadline = t0 + (opts.within or 0)
  local bad, res
  repeat
    local msg, code
    res, msg, code = require("nsrun.machines").probe_fn()(sources, targets, pairs, { timeout_ms = opts.timeout_ms,
      retries = opts.retries, size = opts.size, df = opts.df })
    if not res then util.fail("probe: " .. msg, code) end
    -- the pairs that disagree with the expectation
    bad = {}
    if want then
      for _, f in ipairs(res.failed) do bad[#bad + 1] = f end
    else
      local failed = {}
      for _, f in ipairs(res.failed) do failed[f.src .. ":" .. f.dst] = true end
      for k = 1, #pairs, 2 do
        if not failed[pairs[k] .. ":" .. pairs[k + 1]] then
          bad[#bad + 1] = { src = pairs[k], dst = pairs[k + 1] }
        end
      end
    end
    if #bad == 0 or require("nsrun.machines").agree(core.now() >= deadline) then break end
    core.sleep(0.5)
  until false
  local r = { name = name, ok = #bad == 0, expect = want, pairs = npairs, where = self.where,
    seconds = core.now() - t0, failures = {},
    held_after = #bad == 0 and opts.within and core.now() - t0 or nil,
    rtt = res.ok > 0 and { min = res.rtt_min, median = res.rtt_median, avg = res.rtt_avg,
      max = res.rtt_max } or nil }
  local owner = #bad > 0 and diagnose.owners(lab) or {}
  for i, f in ipairs(bad) do
    local s, addr = srcs[f.src], targets[f.dst]
    local why, path, brk
    if want then
      why = ping.reason(f, addr, owner)
      if f.mtu then why = why .. (", next hop MTU %d"):format(f.mtu) end
      local from = f.from and owner[f.from]
      local small, at
      if opts.size and i <= DIAGNOSE_MAX then
        small, at = require("nsrun.mtu").too_small(lab, s, addr, opts.size + (addr:find(":", 1, true) and 48 or 28))
      end
      if small then
        why, brk = why .. "; " .. small, at
      elseif i <= DIAGNOSE_MAX then
        local text
        text, path, brk = diagnose.explain(lab, s, addr, from)
        why = why .. "; " .. text
      end
    else
      why = "it answered"
      if i <= DIAGNOSE_MAX then path = select(3, diagnose.walk(lab, s, addr, owner)) end
    end
    r.failures[i] = { src = s.name, dst = names[f.dst], addr = addr, reason = why, path = path,
      brk = brk }
  end
  if want then r.summary = diagnose.summary(r.failures) end
  if traces and r.ok then
    -- the paths, once every pair reaches
    local failures, note, traced = require("nsrun.path").assert(lab, srcs, targets, names, pairs, traces, opts, dsts)
    r.failures, r.ok, r.note = failures, #failures == 0, note
    if #traced <= 10 then r.paths = traced end
    r.seconds = core.now() - t0
  end
  lab.times.check = (lab.times.check or 0) + r.seconds
  return M.record(lab, r)
end

-- expect(a):reaches(b [, opts]) -> result; opts: sample, within (seconds),
-- timeout_ms, retries, name.  A failed expectation does not raise: it is
-- reported (and makes nsrun exit 1).  With within, held_after says when it
-- first held (a network's convergence).
function Expect:reaches(dst, opts) return check(self, dst, true, opts) end
function Expect:does_not_reach(dst, opts) return check(self, dst, false, opts) end

---------------------------------------------------------------- daemon state

-- subset(want, got, path) -> nil when got holds want (objects: every key,
-- recursively; arrays: each element of want matches some element of got;
-- scalars: equal), else the first difference, in words
local function shown(v)
  if v == nil then return "missing" end
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

local function subset(want, got, path)
  if type(want) ~= "table" then
    if want == got then return nil end
    return ("%s is %s, want %s"):format(path, shown(got), shown(want))
  end
  if type(got) ~= "table" then
    return ("%s is %s, want a table"):format(path, shown(got))
  end
  if #want > 0 then
    for i, w in ipairs(want) do
      local found
      for _, g in ipairs(got) do
        if not subset(w, g, path) then found = true; break end
      end
      if not found then return ("%s[%d]: no element of %s matches"):format(path, i, path) end
    end
    return nil
  end
  local keys = {}
  for k in pairs(want) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local why = subset(want[k], got[k], path == "" and k or path .. "." .. k)
    if why then return why end
  end
  return nil
end
M.subset = subset

-- expect(node):state(cmd, want [, { within = s, name = }]) -> result: what
-- the node's daemons answer to cmd (vtysh -c CMD for FRR, birdc CMD for
-- BIRD) holds want: a table the JSON answer must contain (as FRR's
-- topotests compare), a string (a Lua pattern the text matches), or a
-- function(text, json) -> true | false, why.  Asked again every 0.5 s until
-- it holds or within seconds pass; held_after says when it first held; a
-- failure gives the last answer's difference and the end of the node's
-- daemon logs.
function Expect:state(cmd, want, opts)
  util.string_arg(cmd, 1, "state")
  util.arg(type(want) == "table" or type(want) == "string" or type(want) == "function", 2, "state",
    "a table (a JSON subset), a pattern or a function expected")
  util.arg(opts == nil or type(opts) == "table", 3, "state", "table expected")
  opts = opts or {}
  local lab = self.lab
  local name = opts.name or ("%s: %s"):format(describe(self.src), cmd)
  if lab.plan then return { ok = true, name = name, pairs = 0, failures = {} } end
  if lab.dry then util.fail("a dry lab runs no daemon") end
  local daemon = require "nsrun.daemon"
  for _, n in ipairs(self.src) do
    if not n.daemon then util.fail(("state %q: %s runs no daemon"):format(cmd, n.name), nil, n.name) end
  end
  local t0 = core.now()
  local deadline = t0 + (opts.within or 0)
  local bad
  repeat
    bad = {}
    for _, n in ipairs(self.src) do
      local out = n:exec(daemon.query(n, cmd))
      local text = out.stdout .. out.stderr
      local why
      if type(want) == "string" then
        why = not text:find(want) and ("the answer does not match %q"):format(want) or nil
      else
        local doc = require("nsrun.json").decode(out.stdout)
        if type(want) == "table" then
          why = doc == nil and "the answer is not JSON" or subset(want, doc, "")
        else
          local ok, w = want(text, doc)
          why = not ok and (w or "the predicate says no") or nil
        end
      end
      if why then bad[#bad + 1] = { node = n, why = why, text = text } end
    end
    if #bad == 0 or require("nsrun.machines").agree(core.now() >= deadline) then break end
    core.sleep(0.5)
  until false
  local r = { name = name, ok = #bad == 0, expect = "state", pairs = #self.src, where = self.where,
    seconds = core.now() - t0, failures = {},
    held_after = #bad == 0 and opts.within and core.now() - t0 or nil }
  for i, b in ipairs(bad) do
    local logs = {}
    for _, p in ipairs(b.node.daemon.procs or {}) do
      logs[#logs + 1] = ("== %s ==\n%s"):format(p.daemon, daemon.tail(p.log, 10))
    end
    r.failures[i] = { src = b.node.name, dst = cmd, addr = "",
      reason = ("%s%s"):format(opts.within and ("not after %g s: "):format(opts.within) or "", b.why),
      answer = b.text, log = table.concat(logs, "\n") }
  end
  return M.record(lab, r)
end

-- lab:expect(a):reaches(b) / :does_not_reach(b): a and b may be nodes or
-- lists of nodes (every pair), b an address.
function class.Lab:expect(a)
  class.alive(self)
  self:neighbours()
  self:start()
  local ok, err = self:daemons_running()
  if not ok then error(err, 0) end
  return M.new(self, a)
end

return M
