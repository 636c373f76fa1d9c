-- nsrun.path: the paths packets take, by node name, as traceroute finds
-- them (core.trace: UDP probes with growing TTLs from inside the source),
-- for many pairs at once; and the path assertions of reaches:
--   lab:expect(h1):reaches(h9, { via = "fw" })
--   lab:expect(h1):reaches(h9, { path = { "leaf1", "spine2", "leaf4" } })
--   lab:expect(h1):reaches(h9, { spread = 4 })    -- flows use 4 paths or more
-- A flow is one UDP source port: a router hashing the 5-tuple (autoroute
-- sets it so, nsrun.routing.hash_seed) sends flows of one pair over its
-- equal-cost paths, and `flows` of them reveal each path.
local core = require "nsrun.core"
local util = require "nsrun.util"

local M = {}

-- unlimit(nodes [, dsts]): the nodes that forward, and dsts, answer every
-- probe with its ICMP error: no ICMP type rate-limited
-- (net.ipv4.icmp_ratemask 0, net.ipv6.icmp.ratemask empty; the kernel's
-- default sends one error a second to each address after a burst of six,
-- and a fabric's router answers thousands at once).  Only namespaces nsrun
-- made, each once, and only those whose errors a check reads: hosts that
-- only send are left as they are (two sysctl writes fewer each).
-- nodes: { { ns =, owned =, forwards = }, ... }; dsts: a list of them.
function M.unlimit(nodes, dsts)
  local want = {}
  for _, d in ipairs(dsts or {}) do if type(d) == "table" then want[d] = true end end
  for _, n in ipairs(nodes) do
    if n.owned and not n.icmp_unlimited and (n.forwards or want[n]) then
      n.ns:sysctl("net.ipv4.icmp_ratemask", "0")
      n.ns:sysctl("net.ipv6.icmp.ratemask", "\n")   -- an empty list (none without IPv6: fine)
      n.icmp_unlimited = true
    end
  end
end

-- trace(sources, targets, pairs, name, opts) -> per pair (in pairs' order)
-- { src =, dst =, paths = { { hops = { "leaf1", ... }, flows = n,
-- reached = bool }, ... } }: the distinct paths of its flows, most used
-- first.  hops: the nodes between source and target, by name(address)
-- (an address no node has stays an address; "*" where no answer came).
-- opts: flows, hops (the largest TTL), timeout_ms, retries.
function M.trace(sources, targets, pairs, name, opts)
  local res, msg, code = core.trace(sources, targets, pairs, opts)
  if not res then util.fail("trace: " .. msg, code) end
  local out = {}
  for i, p in ipairs(res) do
    local seen, paths = {}, {}
    for _, f in ipairs(p.flows) do
      local hops, last = {}, #f.hops
      if f.reached then last = f.reached - 1
      else while last > 0 and not f.hops[last] do last = last - 1 end end
      for t = 1, last do hops[t] = f.hops[t] and name(f.hops[t]) or "*" end
      local key = table.concat(hops, " ") .. (f.reached and "" or " ...")
      local path = seen[key]
      if not path then
        path = { hops = hops, flows = 0, reached = f.reached ~= nil }
        seen[key] = path
        paths[#paths + 1] = path
      end
      path.flows = path.flows + 1
    end
    table.sort(paths, function(a, b) return a.flows > b.flows end)
    out[i] = { src = p.src, dst = p.dst, paths = paths }
  end
  return out
end

-- "leaf1 -> spine2 -> leaf4", with the ends when given
function M.show(path, from, to)
  local t = { from }
  for _, h in ipairs(path.hops) do t[#t + 1] = h end
  t[#t + 1] = path.reached and to or "..."
  return table.concat(t, " -> ")
end

-- check_opts(lab, opts, fname) -> spec: the path options of reaches,
-- checked before anything is sent ({ via = names, path = names }), or nil
-- when there are none
function M.check_opts(lab, opts, fname)
  local any = opts.via ~= nil or opts.path ~= nil or opts.spread ~= nil or opts.flows ~= nil
  if not any then return nil end
  local spec = {}
  local function node(x, what)
    if type(x) ~= "string" and not (getmetatable(x) and x.name) then
      util.fail(("%s: %s: a node or its name expected, got %s"):format(fname, what, util.typename(x)))
    end
    local n = type(x) == "string" and x or x.name
    if not lab.nodes[n] then util.fail(("%s: %s: lab %s has no node %s"):format(fname, what, lab.name, n)) end
    return n
  end
  if opts.via ~= nil then
    local list = (type(opts.via) == "table" and not getmetatable(opts.via)) and opts.via or { opts.via }
    spec.via = {}
    for i, v in ipairs(list) do spec.via[i] = node(v, "via") end
  end
  if opts.path ~= nil then
    util.arg(type(opts.path) == "table" and not getmetatable(opts.path), 2, fname,
      "path: a list of node names expected")
    spec.path = {}
    for i, v in ipairs(opts.path) do spec.path[i] = node(v, "path") end
  end
  for _, k in ipairs { "spread", "flows" } do
    local v = opts[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 1 or v > 256) then
      util.fail(("%s: %s %s: an integer 1..256"):format(fname, k, tostring(v)))
    end
  end
  return spec
end

-- assert(lab, srcs, targets, names, pairs, spec, opts, dsts) -> failures,
-- note, paths: every pair's paths (opts.flows flows; with spread, 4 per path
-- asked, 16 at least) checked against via (each path passes every node
-- named), path (each path is exactly that list of nodes between the ends,
-- which may be given too) and spread (distinct paths).  dsts: the
-- destinations as given (nodes or addresses), whose ICMP errors must flow.
function M.assert(lab, srcs, targets, names, pairs, spec, opts, dsts)
  local diagnose = require "nsrun.diagnose"
  local owner = diagnose.owners(lab)
  local nodes = {}   -- the destinations given as addresses: their nodes
  for i, d in ipairs(dsts or {}) do nodes[i] = type(d) == "string" and owner[diagnose.canon(d)] or d end
  M.unlimit(lab.order, nodes)
  local flows = opts.flows or (opts.spread and math.max(16, 4 * opts.spread)) or 1
  local sources = {}
  for i, s in ipairs(srcs) do sources[i] = s.ns end
  local traced = M.trace(sources, targets, pairs, function(a) return owner[a] and owner[a].name or a end,
    { flows = flows, timeout_ms = opts.timeout_ms })
  local failures, counts = {}, {}
  for _, p in ipairs(traced) do
    local s, dst, addr = srcs[p.src], names[p.dst], targets[p.dst]
    local why
    local function list(paths)
      local shown = {}
      for i, path in ipairs(paths) do
        shown[i] = M.show(path, s.name, dst) .. (#p.paths > 1 and (" (%d flow%s)")
          :format(path.flows, path.flows == 1 and "" or "s") or "")
      end
      return table.concat(shown, "; ")
    end
    -- the paths that fail a test, and their flows, in words
    local function failing(test, what)
      local bad, n = {}, 0
      for _, path in ipairs(p.paths) do
        if not test(path) then bad[#bad + 1] = path; n = n + path.flows end
      end
      if #bad == 0 then return nil end
      return ("%s%s: %s"):format(what, flows > 1 and (" for %d of %d flows"):format(n, flows) or "", list(bad))
    end
    why = failing(function(path) return path.reached end, ("did not reach %s"):format(dst))
    for _, v in ipairs(spec.via or {}) do
      why = why or failing(function(path)
        for _, h in ipairs(path.hops) do if h == v then return true end end
      end, "not via " .. v)
    end
    if spec.path and not why then
      local want = spec.path
      local a, b = 1, #want
      if want[1] == s.name then a = 2 end
      if want[#want] == dst and b >= a then b = b - 1 end
      why = failing(function(path)
        if #path.hops ~= b - a + 1 then return false end
        for k = a, b do if path.hops[k - a + 1] ~= want[k] then return false end end
        return true
      end, "not by " .. table.concat(want, " -> ", a, b))
    end
    counts[#counts + 1] = #p.paths
    if opts.spread and #p.paths < opts.spread and not why then
      why = ("%d flows took %d path%s, fewer than %d: %s%s"):format(flows, #p.paths,
        #p.paths == 1 and "" or "s", opts.spread, list(p.paths), M.hash_hint(srcs[p.src], p.paths[1]))
    end
    if why then failures[#failures + 1] = { src = s.name, dst = dst, addr = addr, reason = why } end
  end
  local note
  if #traced == 1 then
    local p = traced[1]
    note = #p.paths == 1 and ("path " .. M.show(p.paths[1], srcs[p.src].name, names[p.dst]))
      or ("%d paths over %d flows"):format(#p.paths, flows)
  else
    table.sort(counts)
    note = flows > 1 and ("%d to %d paths per pair over %d flows"):format(counts[1], counts[#counts], flows)
      or nil
  end
  return failures, note, traced
end

-- why flows may not spread: the first router's hash over the addresses
-- only (fib_multipath_hash_policy 0)
function M.hash_hint(src, path)
  local first = path and path.hops[1] and src.lab.nodes[path.hops[1]]
  if not first or not first.owned then return "" end
  local v = first.ns:sysctl("net.ipv4.fib_multipath_hash_policy")
  if v and v:match("^%s*0%s*$") then
    return ("; %s hashes the addresses only (net.ipv4.fib_multipath_hash_policy 0): every flow "
      .. "of one pair takes one path"):format(first.name)
  end
  return ""
end

return M
