-- nsrun.service: TCP and UDP services reached, or not, checked for many
-- pairs at once (core.connect): a connect (or a datagram that wants an
-- answer) from each source to the destination's port.  Where nothing
-- listens on a destination the lab made, nsrun listens there itself for
-- the check (no server software needed); a service that listens (a
-- daemon, a container's) is probed as it is.
--   lab:expect(web):connects(db, { tcp = 5432 })
--   lab:expect(guest):does_not_connect(db, { tcp = 22 })
--   lab:expect(hosts):connects(dns, { udp = 53, within = 10 })
local core = require "nsrun.core"
local util = require "nsrun.util"
local ping = require "nsrun.ping"
local diagnose = require "nsrun.diagnose"
local expect = require "nsrun.expect"

local Expect = expect.Expect
local M = {}
local DIAGNOSE_MAX = 10

local OPTS = { tcp = true, udp = true, within = true, timeout_ms = true, retries = true, sample = true,
  name = true, listen = true }

-- the protocol and port of opts ({ tcp = 443 } or { udp = 53 }), or an error
-- naming what is wrong
function M.port_of(opts, fname)
  for k in pairs(opts) do
    if not OPTS[k] then util.fail(("%s: unknown option %q"):format(fname, tostring(k))) end
  end
  if (opts.tcp == nil) == (opts.udp == nil) then
    util.fail(("%s: say which service: { tcp = port } or { udp = port }"):format(fname))
  end
  local proto = opts.tcp ~= nil and "tcp" or "udp"
  local port = opts[proto]
  if math.type(port) ~= "integer" or port < 1 or port > 65535 then
    util.fail(("%s: %s port %s: a port is an integer 1..65535"):format(fname, proto, tostring(port)))
  end
  return proto, port
end

-- why a connect failed, in words
local function reason(f, proto, port, owner, fam, timeout_ms)
  local from = f.from and owner[f.from]
  local by = f.from and (" (from %s)"):format(from and from.name or f.from) or ""
  local icmp = f.icmp and ping.icmp_text(fam, f.icmp, f.code)
  local why
  if f.state == "refused" then
    why = icmp and ("refused: %s%s"):format(icmp, by) or "refused: a TCP reset"
  elseif f.state == "filtered" then
    why = ("filtered: no answer to %d %s in %g ms each"):format(f.attempts,
      proto == "tcp" and (f.attempts == 1 and "connect" or "connects") or
      (f.attempts == 1 and "datagram" or "datagrams"), timeout_ms or 1000)
  else
    why = icmp and ("unreachable: %s%s"):format(icmp, by) or ("unreachable: %s"):format((f.reason or "?"):lower())
  end
  if f.listener == "ours" then
    why = why .. ("; nsrun listened on %s/%d there"):format(proto, port)
  elseif f.listener == "theirs" then
    why = why .. ("; a service listens on %s/%d there"):format(proto, port)
  end
  return why
end

local function listened(f, proto, port)
  return f.listener == "ours" and ("nsrun listened on %s/%d"):format(proto, port)
    or f.listener == "theirs" and ("a service listens on %s/%d"):format(proto, port)
    or ("%s/%d"):format(proto, port)
end

local function check(self, dst, want, opts)
  local fname = want and "connects" or "does_not_connect"
  util.arg(dst ~= nil, 1, fname, "a node, an address or a list expected")
  util.arg(type(opts) == "table", 2, fname, "{ tcp = port } or { udp = port } expected")
  local proto, port = M.port_of(opts, fname)
  local lab = self.lab
  local service = ("%s/%d"):format(proto, port)
  local dsts = {}
  for i, d in ipairs(expect.list(dst)) do dsts[i] = ping.resolve(lab, d) end
  local srcs = self.src
  local verb = #srcs > 1 and (want and "connect" or "do not connect") or (want and "connects" or "does not connect")
  local name = opts.name or ("%s %s to %s on %s"):format(expect.describe(srcs), verb, expect.describe(dsts), service)
  if lab.plan then return { ok = true, name = name, pairs = 0, failures = {} } end
  if lab.dry then util.fail("a dry lab sends no packet") end
  if expect.src_is_dst(srcs, dst) then dsts = srcs end
  local sources, targets, pairs, names, npairs = expect.plan(srcs, dsts, opts, true)
  ping.guard(lab, srcs, dsts, targets)
  -- nsrun's listener: on the nodes the lab made, unless told not to
  -- (an address: on the node that has it)
  local listen, owner, nodes = {}, nil, {}
  for i, d in ipairs(dsts) do
    if type(d) == "string" then
      owner = owner or diagnose.owners(lab)
      d = owner[diagnose.canon(d)] or d
    end
    nodes[i] = d
    listen[i] = opts.listen ~= false and type(d) ~= "string" and d.owned and d.ns or false
  end
  require("nsrun.path").unlimit(lab.order, nodes)   -- an ICMP error for every refused probe
  local t0 = core.now()
  local deadline = t0 + (opts.within or 0)
  local res, bad
  repeat
    local msg, code
    res, msg, code = core.connect(sources, targets, pairs, { port = port, udp = proto == "udp",
      timeout_ms = opts.timeout_ms, retries = opts.retries, listen = listen })
    if not res then util.fail(fname .. ": " .. msg, code) end
    bad = want and res.closed or res.open
    if #bad == 0 or core.now() >= deadline then break end
    core.sleep(0.5)
  until false
  local count, ms = { open = #res.open }, {}
  for _, f in ipairs(res.closed) do count[f.state] = (count[f.state] or 0) + 1 end
  for i, f in ipairs(res.open) do ms[i] = f.ms end
  table.sort(ms)
  local measure = { open = count.open, refused = count.refused or 0, filtered = count.filtered or 0,
    unreachable = count.unreachable or 0, connect_median_ms = #ms > 0 and ms[(#ms + 1) // 2] or nil }
  local seen = {}
  for _, k in ipairs { "open", "refused", "filtered", "unreachable" } do
    if (count[k] or 0) > 0 then seen[#seen + 1] = ("%d %s"):format(count[k], k) end
  end
  local note = #seen > 1 and table.concat(seen, ", ") or seen[1] or nil
  if #ms > 0 then note = (note and note .. ", " or "") .. ("connect %.2f ms median"):format(measure.connect_median_ms) end
  local r = { name = name, ok = #bad == 0, expect = want and "connects" or "does not connect",
    pairs = npairs, where = self.where, seconds = core.now() - t0, failures = {}, note = note,
    measure = measure, held_after = #bad == 0 and opts.within and core.now() - t0 or nil }
  owner = #bad > 0 and (owner or diagnose.owners(lab)) or {}
  for i, f in ipairs(bad) do
    local s, addr = srcs[f.src], targets[f.dst]
    local why, path, brk
    if want then
      why = reason(f, proto, port, owner, addr:find(":", 1, true) and 6 or 4, opts.timeout_ms)
      local from = f.from and owner[f.from]
      if from and i <= DIAGNOSE_MAX then
        -- who answered with an error said where: its firewall, if any
        local fw = diagnose.firewall(from)
        if fw then why = why .. "; " .. fw end
        brk = { node = from.name, what = f.state }
      elseif i <= DIAGNOSE_MAX and f.state ~= "refused" then
        local text
        text, path, brk = diagnose.explain(lab, s, addr, f.from and owner[f.from], service)
        why = why .. "; " .. text
      end
    else
      why = ("it connected in %.2f ms (%s)"):format(f.ms, listened(f, proto, port))
      if i <= DIAGNOSE_MAX then path = select(3, diagnose.walk(lab, s, addr, owner)) end
    end
    r.failures[i] = { src = s.name, dst = names[f.dst], addr = addr, reason = why, path = path, brk = brk }
  end
  if want then r.summary = diagnose.summary(r.failures) end
  lab.times.check = (lab.times.check or 0) + r.seconds
  return expect.record(lab, r)
end

-- expect(a):connects(b, { tcp = port | udp = port [, within =, timeout_ms =,
-- retries =, sample =, listen = false, name = ] }) -> result: every pair's
-- connect succeeds (UDP: the datagram is answered).  Failures say refused
-- (a reset, an ICMP port unreachable), filtered (no answer) or unreachable
-- (an ICMP error and who sent it), with the path walked.
function Expect:connects(dst, opts) return check(self, dst, true, opts) end

-- expect(a):does_not_connect(b, { tcp = port | udp = port, ... }): no pair
-- connects; a failure names the pairs that did.
function Expect:does_not_connect(dst, opts) return check(self, dst, false, opts) end

return M
