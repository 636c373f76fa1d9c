-- nsrun.graph: a lab's topology as Graphviz DOT.
--   Routers are boxes, hosts ellipses, containers 3-D boxes, bridges
--   diamonds (one inside a node -- a leaf's "hosts" segment -- named
--   NODE/BRIDGE, tied to its node by a dotted line); each link's ends are
--   labelled with their interface and addresses.  Nodes are grouped by pod
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
  -- each interface's addresses, for the link ends' labels
  local addrs = {}
  for _, n in ipairs(m.nodes) do
    for _, a in ipairs(n.addrs or {}) do
      local k = n.name .. ":" .. a.ifname
      addrs[k] = (addrs[k] and addrs[k] .. "\n" or "") .. a.cidr
    end
  end
  local function label(node, ifname)
    local a = addrs[node .. ":" .. ifname]
    return a and ifname .. "\n" .. a or ifname
  end
  -- bridges: in the host's namespace "bridge:NAME", inside a node
  -- "bridge:NODE/NAME", tied to that node
  local inside = {}
  for _, br in ipairs(m.bridges or {}) do
    if br.node ~= "host" and byname[br.node] then inside[br.node .. "/" .. br.name] = br.node end
  end
  local function bridge_id(node, name)
    return inside[node .. "/" .. name] and "bridge:" .. node .. "/" .. name or "bridge:" .. name
  end
  local edges = {}
  for k, owner in pairs(inside) do
    local name = k:sub(#owner + 2)
    edges[#edges + 1] = { a = owner, b = "bridge:" .. k, ifa = label(owner, name), ifb = "",
      tie = true }
  end
  table.sort(edges, function(x, y) return x.b < y.b end)
  for _, l in ipairs(m.links) do
    local a, b = l.a, l.b
    local ifa, ifb = label(l.a, l.ifa), label(l.b, l.ifb)
    if l.bridge then b, ifb = bridge_id(l.b, l.bridge), l.ifb end
    if l.bridge_a then a, ifa = bridge_id(l.a, l.bridge_a), l.ifa end   -- bridge to bridge
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
    local bid = bridge_id(br.node, br.name)
    local shown = inside[br.node .. "/" .. br.name] and br.node .. "/" .. br.name or br.name
    out[#out + 1] = ("%s%s [label=%s, %s];"):format(indent, id(bid), q(shown), STYLE.bridge)
    if not chained[br.name] and not inside[br.node .. "/" .. br.name] then
      tiers.bridge = tiers.bridge or {}
      table.insert(tiers.bridge, bid)
    end
    level[bid] = level[bid] or 1
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
    if e.tie then attrs[#attrs + 1] = "style=dotted" end
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
