-- nsrun.graph: a lab's topology as Graphviz DOT.
--   Routers are boxes, hosts ellipses, containers 3-D boxes, bridges in the
--   host's namespace diamonds; a bridge inside a node (a leaf's "hosts"
--   segment) is drawn as that node's links.  Nodes are grouped by pod
--   (clusters) and placed in tiers (ranks), top to bottom from the tier
--   farthest from the hosts: a fabric reads as a fabric.  Failing pairs
--   from `nsrun test` are drawn in red along the path the diagnosis walked.
local M = {}

local STYLE = {
  router = 'shape=box, fillcolor="#cfe2f3"',
  host = 'shape=ellipse, fillcolor="#d9ead3"',
  node = 'shape=ellipse, fillcolor="#eeeeee"',
  container = 'shape=box3d, fillcolor="#fce5cd"',
  attached = 'shape=octagon, fillcolor="#ead1dc"',
  bridge = 'shape=diamond, fillcolor="#fff2cc", fontsize=9',
}

local function q(s) return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"' end

-- tier and pod: what a generator said, else read from the name (p3-edge1:
-- pod 3, tier "edge"; spine2: tier "spine"; h1-2: tier "h")
local function tier_of(n)
  local pod = n.pod or tonumber(n.name:match("^p(%d+)%-"))
  local tier = n.tier or n.name:gsub("^p%d+%-", ""):match("^(%a+)") or n.role or "node"
  return tier, pod
end

-- a router's loopback, else the node's first address
local function first_addr(n)
  local lo, other
  for _, a in ipairs(n.addrs or {}) do
    if not a.cidr:find("^127%.") and a.cidr ~= "::1/128" then
      if a.ifname == "lo" then lo = lo or a.cidr else other = other or a.cidr end
    end
  end
  return lo or other
end

-- One lab: its statements into out.  failures: { { src =, dst =, path = {names} } }
local function lab_dot(m, out, failures, indent, labels)
  local id = function(name) return q(m.lab .. "/" .. name) end
  local byname, kind = {}, {}
  for _, n in ipairs(m.nodes) do
    byname[n.name] = n
    kind[n.name] = n.container and (n.container.adopted and "attached" or "container") or n.role or "node"
  end
  -- bridges inside a node: their ports' links become links to that node
  local inside = {}
  for _, br in ipairs(m.bridges or {}) do
    if br.node ~= "host" and byname[br.node] then inside[br.node .. "/" .. br.name] = br.node end
  end
  local edges = {}
  for _, l in ipairs(m.links) do
    local a, b = l.a, l.b
    local ifa, ifb = l.ifa, l.ifb
    if l.bridge then
      local owner = inside[l.b .. "/" .. l.bridge]
      if owner then b, ifb = owner, l.bridge else b, ifb = "bridge:" .. l.bridge, l.ifb end
    end
    if l.bridge_a then   -- bridge to bridge
      local owner = inside[l.a .. "/" .. l.bridge_a]
      if owner then a, ifa = owner, l.bridge_a else a, ifa = "bridge:" .. l.bridge_a, l.ifa end
    end
    edges[#edges + 1] = { a = a, b = b, ifa = ifa, ifb = ifb }
  end
  -- levels: hops from the nearest host (tiers placed top-down by the farthest)
  local adj = {}
  for _, e in ipairs(edges) do
    adj[e.a] = adj[e.a] or {}; adj[e.b] = adj[e.b] or {}
    table.insert(adj[e.a], e.b); table.insert(adj[e.b], e.a)
  end
  local level, queue, head = {}, {}, 1
  for _, n in ipairs(m.nodes) do
    if kind[n.name] == "host" or kind[n.name] == "container" then level[n.name] = 0; queue[#queue + 1] = n.name end
  end
  while queue[head] do
    local x = queue[head]; head = head + 1
    for _, y in ipairs(adj[x] or {}) do
      if not level[y] then level[y] = level[x] + 1; queue[#queue + 1] = y end
    end
  end
  -- highlighted: where each failing path breaks -- the link (a link down,
  -- a black hole) or the node (no route, a loop, a lost echo) -- and, in
  -- a lighter red, the pair's two ends; undiagnosed pairs: their path
  local hot_node, hot_edge, end_node = {}, {}, {}
  for _, f in ipairs(failures or {}) do
    end_node[f.src] = true
    if f.dst then end_node[f.dst] = true end
    local b = f.brk
    if b and b.to then
      hot_edge[b.node .. "|" .. b.to] = true; hot_edge[b.to .. "|" .. b.node] = true
    elseif b then
      hot_node[b.node] = true
    else
      local p = f.path or {}
      for i = 2, #p do hot_edge[p[i - 1] .. "|" .. p[i]] = true; hot_edge[p[i] .. "|" .. p[i - 1]] = true end
    end
  end
  -- nodes, by pod
  local pods, podorder, tiers = {}, {}, {}
  for _, n in ipairs(m.nodes) do
    local tier, pod = tier_of(n)
    local key = pod and tostring(pod) or ""
    if not pods[key] then pods[key] = {}; podorder[#podorder + 1] = key end
    table.insert(pods[key], n)
    tiers[tier] = tiers[tier] or {}
    table.insert(tiers[tier], n.name)
  end
  for _, key in ipairs(podorder) do
    local pad = indent
    if key ~= "" then
      out[#out + 1] = ("%ssubgraph %s {"):format(indent, q("cluster_" .. m.lab .. "_pod" .. key))
      out[#out + 1] = ('%s  label=%s; style="rounded,dashed"; color="#999999";'):format(indent, q("pod " .. key))
      pad = indent .. "  "
    end
    for _, n in ipairs(pods[key]) do
      local label = n.name
      local addr = labels and first_addr(n)
      if addr then label = label .. "\n" .. addr end
      local hot = hot_node[n.name] and ', color="#cc0000", penwidth=2.5, fontcolor="#cc0000"'
        or end_node[n.name] and ', color="#e08080", fontcolor="#cc0000"' or ""
      out[#out + 1] = ("%s%s [label=%s, %s%s];"):format(pad, id(n.name), q(label), STYLE[kind[n.name]] or STYLE.node, hot)
    end
    if key ~= "" then out[#out + 1] = indent .. "}" end
  end
  -- bridges linked to bridges (a tree of switches) are ranked by their
  -- links, not all on one rank
  local chained = {}
  for _, l in ipairs(m.links) do
    if l.bridge_a then chained[l.bridge_a] = true; chained[l.bridge] = true end
  end
  for _, br in ipairs(m.bridges or {}) do
    if not inside[br.node .. "/" .. br.name] then
      out[#out + 1] = ("%s%s [label=%s, %s];"):format(indent, id("bridge:" .. br.name), q(br.name), STYLE.bridge)
      if not chained[br.name] then
        tiers.bridge = tiers.bridge or {}
        table.insert(tiers.bridge, "bridge:" .. br.name)
      end
      level["bridge:" .. br.name] = level["bridge:" .. br.name] or 1
    end
  end
  -- one rank per tier
  local names = {}
  for t in pairs(tiers) do names[#names + 1] = t end
  table.sort(names)
  for _, t in ipairs(names) do
    if #tiers[t] > 1 then
      local ids = {}
      for i, nm in ipairs(tiers[t]) do ids[i] = id(nm) end
      out[#out + 1] = ("%s{ rank=same; %s; }"):format(indent, table.concat(ids, "; "))
    end
  end
  -- links: from the upper tier down, so that dot ranks them that way
  for _, e in ipairs(edges) do
    local a, b, ifa, ifb = e.a, e.b, e.ifa, e.ifb
    local la, lb = level[a] or 0, level[b] or 0
    if lb > la then a, b, ifa, ifb = b, a, ifb, ifa end
    local attrs = {}
    if labels then
      attrs[#attrs + 1] = ("taillabel=%s, headlabel=%s"):format(q(ifa), q(ifb))
    end
    if la == lb then attrs[#attrs + 1] = "constraint=false" end
    if hot_edge[a .. "|" .. b] then attrs[#attrs + 1] = 'color="#cc0000", penwidth=3' end
    out[#out + 1] = ("%s%s -- %s%s;"):format(indent, id(a), id(b),
      #attrs > 0 and " [" .. table.concat(attrs, ", ") .. "]" or "")
  end
end

-- dot({ model, ... } [, { failures = { [labname] = {...} } }]) -> text
function M.dot(models, opts)
  opts = opts or {}
  local out = {
    "graph nsrun {",
    '  graph [newrank=true, rankdir=TB, nodesep=0.25, ranksep=0.9, fontname="Helvetica", fontsize=11];',
    '  node [fontname="Helvetica", fontsize=10, style=filled];',
    '  edge [fontname="Helvetica", fontsize=7, color="#666666", labelfontcolor="#444444"];',
  }
  for _, m in ipairs(models) do
    local labels = #m.links <= 300   -- interface names and addresses, while they stay legible
    local failures = (opts.failures or {})[m.lab]
    if #models > 1 then
      out[#out + 1] = ("  subgraph %s {"):format(q("cluster_lab_" .. m.lab))
      out[#out + 1] = ("    label=%s;"):format(q("lab " .. m.lab))
      lab_dot(m, out, failures, "    ", labels)
      out[#out + 1] = "  }"
    else
      out[#out + 1] = ("  label=%s; labelloc=t;"):format(q("lab " .. m.lab))
      lab_dot(m, out, failures, "  ", labels)
    end
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- write(text, path) -> true | nil, message: DOT as it is, or rendered by
-- Graphviz's dot when path ends in .svg or .png.
function M.write(text, path)
  local format = path:match("%.(%w+)$")
  if format ~= "svg" and format ~= "png" then
    local f, err = io.open(path, "w")
    if not f then return nil, err end
    f:write(text)
    f:close()
    return true
  end
  local core = require "nsrun.core"
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(text)
  f:close()
  -- Graphviz runs where nsrun does: no namespace to enter, no root needed
  local status, out, err = core.run { "dot", "-T" .. format, "-o", path, tmp }
  os.remove(tmp)
  if not status then
    if err == core.errno.ENOENT then return nil, "Graphviz's dot is not installed (Debian: apt-get install graphviz)" end
    return nil, out
  end
  if status ~= 0 then return nil, "dot: " .. (err ~= "" and err or out):gsub("%s+$", "") end
  return true
end

return M
