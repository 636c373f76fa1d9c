-- nsrun.throughput: the bandwidth one node gets to another, measured with
-- iperf3 (Debian's iperf3), its server and client started and ended by
-- nsrun in the two namespaces, its JSON read.
--   lab:expect(h1):throughput(h2, { at_least = "80mbit", seconds = 3 })
-- Soft by default: a measurement below at_least while the CPU was the
-- limit (iperf3's sender or receiver, or the whole machine, 75 % busy or
-- more) is reported with the CPU seen and not judged (a skip in TAP and
-- JUnit); strict = true fails it as well.  A link whose rate nsrun.impair
-- limits is measured exactly: the CPU is idle then.
local core = require "nsrun.core"
local util = require "nsrun.util"
local ping = require "nsrun.ping"
local expect = require "nsrun.expect"
local impair = require "nsrun.impair"
local json = require "nsrun.json"

local Expect = expect.Expect
local M = {}
local OPTS = { at_least = true, seconds = true, port = true, strict = true, name = true }
local BUSY = 75   -- percent of a CPU: the measure is the CPU's

local IPERF3 = { "/usr/bin/iperf3", "/usr/local/bin/iperf3" }

local function iperf3()
  for _, p in ipairs(IPERF3) do
    local f = io.open(p)
    if f then f:close() return p end
  end
  util.fail("throughput: iperf3 is not installed (Debian and Ubuntu: apt-get install iperf3)")
end

-- the machine's CPU time so far: busy, total (jiffies, all CPUs)
local function cpu_times()
  local f = io.open("/proc/stat")
  local line = f and f:read("l") or ""
  if f then f:close() end
  local busy, total, i = 0, 0, 0
  for v in line:gmatch("%d+") do
    i = i + 1
    local n = tonumber(v)
    total = total + n
    if i ~= 4 and i ~= 5 then busy = busy + n end   -- idle, iowait
  end
  return busy, total
end

local function mbit(bps)
  if bps >= 1e9 then return ("%.2f Gbit/s"):format(bps / 1e9) end
  return ("%.1f Mbit/s"):format(bps / 1e6)
end

-- wait until something listens on addr:port in node (the server is up)
local function listening(node, port, within)
  local deadline = core.now() + within
  repeat
    local r = node:exec { "ss", "-Hltn", "sport", "=", ":" .. port }
    if r.ok and r.stdout:find("%S") then return true end
    core.sleep(0.05)
  until core.now() >= deadline
  return false
end

-- one measurement from s to d: bits/s, the CPU seen, or nil and why
local function measure(s, d, opts)
  local bin = iperf3()
  local addr = ping.target(d)
  local port = tostring(opts.port or 5201)
  local log = s.lab.journal:dir() .. "/" .. d.nsname .. ".iperf3.log"
  local _, server = d:spawn({ bin, "-s", "-1", "-B", addr, "-p", port }, log)
  local ok, res = pcall(function()
    if not listening(d, port, 5) then
      return nil, ("iperf3's server did not listen on %s port %s within 5 s: %s"):format(addr, port,
        (util.slurp(log) or ""):gsub("%s+$", ""))
    end
    local b0, t0 = cpu_times()
    local out = s:exec { bin, "-c", addr, "-p", port, "-t", tostring(opts.seconds or 3), "-J",
      "--connect-timeout", "3000" }
    local b1, t1 = cpu_times()
    local doc = json.decode(out.stdout)
    if not doc then return nil, "iperf3 gave no JSON: " .. (out.stderr ~= "" and out.stderr or out.stdout) end
    if doc.error then return nil, "iperf3: " .. doc.error end
    local e = doc["end"] or {}
    local got = e.sum_received and e.sum_received.bits_per_second
    if not got then return nil, "iperf3's JSON has no end.sum_received" end
    local cpu = e.cpu_utilization_percent or {}
    return { bps = got, sender = cpu.host_total or 0, receiver = cpu.remote_total or 0,
      machine = t1 > t0 and 100 * (b1 - b0) / (t1 - t0) or 0, retransmits = e.sum_sent and e.sum_sent.retransmits }
  end)
  if core.proc_alive(server.pid, server.start) then core.proc_end(server.pid, server.start, 500) end
  if not ok then error(res, 0) end
  return res
end

-- expect(a):throughput(b, { at_least = rate, seconds = 3, port = 5201,
-- strict = false, name = }) -> result: each pair, one after another, gets
-- at least the rate (impair's units: "80mbit", "1gbit", bit/s).
function Expect:throughput(dst, opts)
  util.arg(dst ~= nil, 1, "throughput", "a node or a list of nodes expected")
  util.arg(type(opts) == "table", 2, "throughput", "{ at_least = rate } expected")
  for k in pairs(opts) do
    if not OPTS[k] then util.fail(("throughput: unknown option %q"):format(tostring(k))) end
  end
  local want, why = impair.rate("at_least", opts.at_least)
  if not want then util.fail("throughput: " .. why) end
  local secs = opts.seconds or 3
  if type(secs) ~= "number" or secs < 1 or secs > 3600 or secs % 1 ~= 0 then
    util.fail(("throughput: seconds %s: a whole number of seconds, 1..3600"):format(tostring(secs)))
  end
  if opts.port ~= nil and (math.type(opts.port) ~= "integer" or opts.port < 1 or opts.port > 65535) then
    util.fail(("throughput: port %s: a port is an integer 1..65535"):format(tostring(opts.port)))
  end
  local lab = self.lab
  local dsts = {}
  for i, d in ipairs(expect.list(dst)) do
    dsts[i] = ping.resolve(lab, d)
    if type(dsts[i]) == "string" then util.fail("throughput: a node expected, not an address (nsrun runs iperf3's server in it)") end
  end
  local name = opts.name or ("%s -> %s: at least %s"):format(expect.describe(self.src), expect.describe(dsts), mbit(want))
  if lab.plan then return { ok = true, name = name, pairs = 0, failures = {} } end
  if lab.dry then util.fail("a dry lab sends no packet") end
  local targets = {}
  for i, d in ipairs(dsts) do targets[i] = ping.target(d) end
  ping.guard(lab, self.src, dsts, targets)
  local t0 = core.now()
  local failures, skips, lowest = {}, {}, nil
  for _, s in ipairs(self.src) do
    for _, d in ipairs(dsts) do
      if s ~= d then
        local m, err = measure(s, d, { seconds = secs, port = opts.port })
        local addr = ping.target(d)
        if not m then
          failures[#failures + 1] = { src = s.name, dst = d.name, addr = addr, reason = err }
        else
          if not lowest or m.bps < lowest.bps then lowest = m end
          if m.bps < want then
            local cpu = ("CPU: iperf3's sender %.0f %%, receiver %.0f %%, the machine %.0f %% busy")
              :format(m.sender, m.receiver, m.machine)
            local limited = m.sender >= BUSY or m.receiver >= BUSY or m.machine >= BUSY
            local text = ("%s, below %s; %s"):format(mbit(m.bps), mbit(want), cpu)
            if limited and not opts.strict then
              skips[#skips + 1] = ("%s -> %s: %s (the CPU was the limit)"):format(s.name, d.name, text)
            else
              failures[#failures + 1] = { src = s.name, dst = d.name, addr = addr,
                reason = text .. (limited and " (strict: failed although the CPU was the limit)" or "") }
            end
          end
        end
      end
    end
  end
  local r = { name = name, ok = #failures == 0, expect = "throughput", pairs = #self.src * #dsts,
    where = self.where, seconds = core.now() - t0, failures = failures,
    note = lowest and ("%s%s"):format(#self.src * #dsts > 1 and "lowest " or "", mbit(lowest.bps)) or nil,
    measure = lowest and { bits_per_second = math.floor(lowest.bps), cpu_sender = lowest.sender,
      cpu_receiver = lowest.receiver, cpu_machine = lowest.machine, retransmits = lowest.retransmits } or nil,
    skip = #failures == 0 and #skips > 0 and table.concat(skips, "; ") or nil }
  lab.times.check = (lab.times.check or 0) + r.seconds
  return expect.record(lab, r)
end

return M
