-- Link impairments on a kernel that has netem (Debian's own: tests/qemu):
-- delay shows as RTT = 2 x delay (each end delays what it sends), loss as
-- the share of echoes lost, and every setting reads back from the kernel.
-- A kernel without netem: the clear error, and exit 77 (skipped).
local nsrun = require "nsrun"
local core = nsrun.core
local lab <close> = nsrun.lab("netem", { prefix = args.prefix })
local a, b = lab:host "nm-a", lab:host "nm-b"
local link = lab:link(a, b)
a:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")

local ok, err = pcall(link.impair, link, { delay = "50ms" })
if not ok then
  print(tostring(err))
  assert(tostring(err):find("this kernel has no netem", 1, true), "not the no-netem message")
  os.exit(77)
end

local failed = 0
local function check(what, cond, detail)
  print((cond and "ok   " or "FAIL ") .. what .. (detail and (" (" .. detail .. ")") or ""))
  if not cond then failed = failed + 1 end
end

-- n echoes from a to b, one each, no retries: { rtts }, lost
local function echoes(n)
  local pairs = {}
  for i = 1, n do pairs[2 * i - 1], pairs[2 * i] = 1, 1 end
  local res = core.probe({ a.ns }, { "192.0.2.2" }, pairs, { timeout_ms = 1500, retries = 0 })
  return res.ok, #res.failed, res
end

-- delay 50 ms on both ends: RTT about 100 ms (after a first echo, which
-- also waits for ARP: its request and reply are delayed too)
echoes(1)
local got, lost, res = echoes(20)
check("delay 50ms each way: RTT about 100 ms", lost == 0 and res.rtt_min >= 99 and res.rtt_avg < 115,
  ("%d answered, rtt min/avg/max %.1f/%.1f/%.1f ms"):format(got, res.rtt_min or 0, res.rtt_avg or 0, res.rtt_max or 0))

-- one end only: RTT about 50 ms
link:impair(b, {})
got, lost, res = echoes(20)
check("delay on one end only: RTT about 50 ms", lost == 0 and res.rtt_min >= 49 and res.rtt_avg < 65,
  ("rtt avg %.1f ms"):format(res.rtt_avg or 0))

-- 20 % loss on a's end (requests only): 400 echoes lose 14..26 %
link:impair {}
a:impair("eth0", { loss = "20%" })
got, lost = echoes(400)
check("loss 20%: 14..26 % of 400 echoes lost", lost >= 56 and lost <= 104, ("%d lost"):format(lost))

-- everything reads back as set
a:impair("eth0", { delay = "10ms", jitter = "2ms", loss = "1.5%", duplicate = "1%",
  reorder = "25%", corrupt = "0.1%", limit = 500 })
local t = a:impairment("eth0")
check("delay, jitter, loss, duplicate, reorder, corrupt, limit read back",
  t.kind == "netem" and t.delay_us == 10000 and t.jitter_us == 2000 and math.abs(t.loss - 1.5) < 0.01
  and math.abs(t.duplicate - 1) < 0.01 and math.abs(t.reorder - 25) < 0.01
  and math.abs(t.corrupt - 0.1) < 0.01 and t.limit == 500, require("nsrun.impair").describe(t))

-- probabilities of 50 % and more read back too (the kernel's scale is 32
-- bits unsigned; libnl returns them as ints)
a:impair("eth0", { loss = "60%", duplicate = "75%", reorder = "50%", delay = "1ms", corrupt = "99%" })
t = a:impairment("eth0")
check("loss 60 %, duplicate 75 %, reorder 50 %, corrupt 99 % read back",
  math.abs(t.loss - 60) < 0.01 and math.abs(t.duplicate - 75) < 0.01
  and math.abs(t.reorder - 50) < 0.01 and math.abs(t.corrupt - 99) < 0.01,
  require("nsrun.impair").describe(t))

-- rate and delay together: tbf with netem under it
a:impair("eth0", { rate = "10mbit", delay = "20ms" })
t = a:impairment("eth0")
check("rate and delay together (tbf + netem)", t.kind == "tbf+netem" and t.rate == 10000000
  and t.delay_us == 20000, require("nsrun.impair").describe(t))
got, lost, res = echoes(5)
check("... and the delay holds", lost == 0 and res.rtt_min >= 19, ("rtt min %.1f ms"):format(res.rtt_min or 0))

if failed > 0 then error(("%d impairment check(s) failed"):format(failed)) end
