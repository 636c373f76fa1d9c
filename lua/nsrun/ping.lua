-- nsrun.ping: reachability with the native prober (core.probe): ICMP echo
-- from many namespaces at once, a window per source, retries, RTTs.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"

local M = {}

-- The address to ping for a destination: a node's first IPv4 address (else
-- IPv6), or an address given as a string.
function M.target(dst)
  if type(dst) == "string" then
    local p = core.prefix(dst)
    if not p or p.has_len then util.fail(("%q is not an address"):format(dst)) end
    return dst
  end
  local ip = dst:ip(4) or dst:ip(6)
  if not ip then util.fail(("node %s has no address to ping"):format(dst.name)) end
  return ip
end

local ICMP = {
  [4] = { [3] = { [0] = "network unreachable", [1] = "host unreachable", [3] = "port unreachable",
                  [4] = "fragmentation needed", [13] = "administratively prohibited" }, [11] = { [0] = "TTL exceeded (a loop?)" } },
  [6] = { [1] = { [0] = "no route", [1] = "administratively prohibited", [3] = "address unreachable",
                  [4] = "port unreachable", [5] = "source address failed policy", [6] = "reject route" },
          [2] = { [0] = "packet too big" },
          [3] = { [0] = "hop limit exceeded (a loop?)" } },
}

-- an ICMP error in words: icmp_text(4, 3, 13) -> "administratively prohibited"
function M.icmp_text(fam, icmp, code)
  local t = ICMP[fam][icmp]
  return t and t[code] or ("ICMP type %d code %d"):format(icmp, code)
end

-- why a pair failed, in words: the kernel's send error, an ICMP error and
-- who sent it (the node of owner, diagnose.owners, that has the address;
-- else the address), or no answer
function M.reason(f, addr, owner)
  if f.reason then return f.reason:lower() end
  if f.icmp then
    local from = owner and owner[f.from]
    return ("%s (from %s)"):format(M.icmp_text(addr:find(":") and 6 or 4, f.icmp, f.code),
      from and from.name or f.from)
  end
  return ("no answer to %d echoes"):format(f.attempts)
end

local function run(sources, targets, pairs, opts)
  local res, msg, code = require("nsrun.machines").probe_fn()(sources, targets, pairs, opts)
  if not res then util.fail(msg, code) end
  return res
end

-- guard(lab, srcs, dsts, targets): refuse (raise) a probe that would make
-- the host send lab traffic out of an interface the lab did not make: from
-- the host's namespace to a target it routes elsewhere, or to an address of
-- the host's whose way back to a source leaves elsewhere (the host would
-- answer through its real interfaces).  Only addresses given as strings and
-- the host's own node need the kernel asked.
function M.guard(lab, srcs, dsts, targets)
  local root = lab.root
  local function ours(dev) return dev ~= nil and root.ifaces[dev] ~= nil end
  local function refuse(fmt, ...) util.fail(fmt:format(...) .. ": refused (nsrun sends no lab traffic out of "
    .. "the host's own interfaces)") end
  for i, d in ipairs(dsts) do
    if type(d) == "string" or d == root then
      local t = targets[i]
      local r = root.ns:route_get(t)
      if r and r.type == "local" then   -- an address of the host's
        for _, s in ipairs(srcs) do
          local back = s ~= root and s:ip(t:find(":", 1, true) and 6 or 4)
          local rb = back and root.ns:route_get(back, { src = t })
          if rb and rb.type ~= "local" and not ours(rb.dev) then
            refuse("%s -> %s: %s is the host's, and the host's route back to %s leaves through %s, "
              .. "which the lab did not make", s.name, t, t, back, rb.dev or "?")
          end
        end
      end
    end
  end
  for _, s in ipairs(srcs) do
    if s == root then
      for _, t in ipairs(targets) do
        local r = root.ns:route_get(t)
        if r and r.type ~= "local" and not ours(r.dev) then
          refuse("host -> %s: the host's route to %s leaves through %s, which the lab did not make",
            t, t, r.dev or "?")
        end
      end
    end
  end
end

-- resolve(lab, x) -> x, with a string that is no address read as the name
-- of a node of lab: reaches("leaf1") is reaches(lab.nodes.leaf1)
function M.resolve(lab, x)
  if type(x) ~= "string" then return x end
  local p = core.prefix(x)
  if p and not p.has_len then return x end
  local node = lab.nodes[x]
  if not node then util.fail(("%q is neither an address nor a node of lab %s"):format(x, lab.name)) end
  return node
end

-- ping(src, dst [, opts]) -> rtt_ms | nil, an nsrun.error saying why not
function M.ping(src, dst, opts)
  local addr = M.target(dst)
  local res = run({ src.ns }, { addr }, { 1, 1 }, opts)
  if res.ok == 1 then return res.rtt_min end
  return nil, util.err(("%s does not reach %s: %s"):format(src.name,
    type(dst) == "string" and dst or dst.name, M.reason(res.failed[1], addr)), nil, src.name)
end

-- pairs(srcs, dsts) -> a flat array { s1, d1, s2, d2, ... } of every
-- pair of a source and another node as destination
function M.pairs(srcs, dsts)
  local flat = {}
  for i, s in ipairs(srcs) do
    for j, d in ipairs(dsts) do
      if s ~= d then flat[#flat + 1] = i; flat[#flat + 1] = j end
    end
  end
  return flat
end

-- sample(srcs, dsts, count) -> a flat array { s1, d1, s2, d2, ... } of
-- count pairs (srcs[s] ~= dsts[d]) drawn at random, the same on every run
function M.sample(srcs, dsts, count)
  local flat, seed, tries = {}, 7, 0
  local function rnd(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end
  while #flat < 2 * count and tries < 4 * count do
    tries = tries + 1
    local i, j = rnd(#srcs), rnd(#dsts)
    if srcs[i] ~= dsts[j] then flat[#flat + 1] = i; flat[#flat + 1] = j end
  end
  return flat
end

-- pingall(nodes [, { sample = n, timeout_ms =, retries = }]) ->
--   { ok = bool, pairs = n, failed = { { src =, dst =, addr =, reason = }, ... },
--     rtt = { min =, median =, avg =, max = } }
-- Every ordered pair of nodes, or n pairs drawn at random.
function M.pingall(nodes, opts)
  opts = opts or {}
  local sources, targets = {}, {}
  for i, n in ipairs(nodes) do
    sources[i] = n.ns
    targets[i] = M.target(n)
  end
  local pairs
  if opts.sample and #nodes > 1 then pairs = M.sample(nodes, nodes, opts.sample) end
  local res = run(sources, targets, pairs, opts)
  local out = { pairs = res.pairs, failed = {},
    rtt = { min = res.rtt_min, median = res.rtt_median, avg = res.rtt_avg, max = res.rtt_max } }
  for i, f in ipairs(res.failed) do
    out.failed[i] = { src = nodes[f.src].name, dst = nodes[f.dst].name, addr = targets[f.dst],
      reason = M.reason(f, targets[f.dst]), from = nodes[f.src], to = nodes[f.dst] }
  end
  out.ok = #out.failed == 0
  return out
end

-- lab:ping(a, b) -> rtt_ms | nil, err: does node a reach node b (its first
-- address) or an address?  One echo, retried (native prober).  A query:
-- "no" is an answer, not an error.
function class.Lab:ping(a, b)
  class.alive(self)
  util.arg(class.is_node(a), 1, "ping", "node expected")
  if self.plan then return 0 end
  self:neighbours()
  if self.dry then util.fail("a dry lab sends no packet") end
  self:start()
  b = M.resolve(self, b)
  M.guard(self, { a }, { b }, { M.target(b) })
  return M.ping(a, b)
end

-- lab:pingall([nodes] [, { sample = n }]) -> { ok =, pairs =, failed =
-- { {src=, dst=, addr=} } }: every node to every other (default: the hosts,
-- else all nodes), or n sampled pairs.
function class.Lab:pingall(nodes, opts)
  class.alive(self)
  if opts == nil and type(nodes) == "table" and getmetatable(nodes) == nil and nodes[1] == nil then
    nodes, opts = nil, nodes
  end
  nodes = nodes or (#self:all("host") > 0 and self:all("host") or self.order)
  if self.plan then return { ok = true, pairs = 0, failed = {} } end
  if self.dry then util.fail("a dry lab sends no packet") end
  self:neighbours()
  self:start()
  local targets = {}
  for i, n in ipairs(nodes) do targets[i] = M.target(n) end
  M.guard(self, nodes, nodes, targets)
  return class.timed(self, "check", function() return M.pingall(nodes, opts) end)
end

return M
