-- nsrun.diagnose: where does a path break?  Asks the kernel of each hop
-- (RTM_GETROUTE for the destination, the outgoing link's state) and follows
-- the next hop through the lab, as a packet would.
local M = {}

-- address (without length) -> node, for every address in the lab
function M.owners(lab)
  local t = {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do t[a.cidr:match("^[^/]+")] = node end
  end
  return t
end

-- "; its links eth0 (to leaf2) are down": links of node that have no
-- carrier, which take their routes with them
local function down_links(node)
  local down = {}
  for ifname, link in pairs(node.ifaces) do
    local st = node.ns:link_state(ifname)
    if st and not (st.up and st.lower_up) and getmetatable(link) and link.side then
      local other = link.a.node == node and link.b.node or link.a.node
      down[#down + 1] = ("%s (to %s)"):format(ifname, other.name)
    end
  end
  if #down == 0 then return "" end
  table.sort(down)
  return ("; link%s %s %s down"):format(#down > 1 and "s" or "", table.concat(down, ", "),
    #down > 1 and "are" or "is")
end

-- walk(lab, from, addr) -> true, nil, { names } | false, why, { names }
function M.walk(lab, from, addr, owner)
  owner = owner or M.owners(lab)
  local cur, seen, hops = from, {}, { from.name }
  for _ = 1, 128 do
    if owner[addr] == cur then return true, nil, hops end
    if seen[cur] then
      return false, ("a loop: %s"):format(table.concat(hops, " -> ")), hops
    end
    seen[cur] = true
    local r, msg = cur.ns:route_get(addr)
    if not r then
      return false, ("%s has no route to %s (%s)%s"):format(cur.name, addr,
        msg:match(": ([^:]+)$") or msg, down_links(cur)), hops
    end
    if r.type == "local" then return true, nil, hops end
    if r.type ~= "unicast" then
      return false, ("%s has a %s route to %s (a black hole)"):format(cur.name, r.type, addr), hops
    end
    local via = r.gateway or addr
    local nxt = owner[via]
    local st = r.dev and cur.ns:link_state(r.dev)
    if st and not (st.up and st.lower_up) then
      return false, ("%s: next hop %s via %s: link down (%s)")
        :format(cur.name, nxt and nxt.name or via, r.dev, st.operstate), hops
    end
    if not nxt then
      return false, ("%s sends %s to %s via %s, where no node of the lab is (a black hole)")
        :format(cur.name, addr, via, r.dev or "?"), hops
    end
    hops[#hops + 1] = nxt.name
    if owner[addr] ~= nxt and not nxt.forwards then
      return false, ("%s sends %s to %s, which does not forward"):format(cur.name, addr, nxt.name), hops
    end
    cur = nxt
  end
  return false, "the path is longer than 128 hops", hops
end

-- "; bridge s1 is in the host's namespace, ...": where the host passes
-- bridged packets through iptables (br_netfilter), a FORWARD policy of
-- DROP there, as Docker sets, drops what crosses the lab's bridges.
local function host_bridges(lab)
  local names = {}
  for _, br in ipairs(lab.bridges) do
    if br.node == lab.root then names[#names + 1] = br.name end
  end
  local f = #names > 0 and io.open("/proc/sys/net/bridge/bridge-nf-call-iptables")
  local on = f and f:read("l") == "1"
  if f then f:close() end
  if not on then return "" end
  return ("; bridge%s %s %s in the host's namespace, where bridged packets go through "
    .. "iptables (net.bridge.bridge-nf-call-iptables = 1): a FORWARD policy of DROP, as "
    .. "Docker sets, drops them (lab:bridge(name, { node = ... }) keeps a bridge out of it)")
    :format(#names > 1 and "s" or "", table.concat(names, ", "), #names > 1 and "are" or "is")
end

-- explain(lab, src, addr) -> a sentence: where the path from src to addr,
-- or the way back, breaks; then the nodes of the path walked (src first).
function M.explain(lab, src, addr)
  local owner = M.owners(lab)
  local ok, why, hops = M.walk(lab, src, addr, owner)
  if not ok then return why, hops end
  local dst = owner[addr]
  local back = src:ip(addr:find(":") and 6 or 4)
  if dst and back then
    local ok2, why2, hops2 = M.walk(lab, dst, back, owner)
    if not ok2 then return "on the way back: " .. why2, hops end
    return ("the path looks complete (%s, back %s): the echo was lost "
      .. "(a firewall? rp_filter? an unresolved neighbour?)%s")
      :format(table.concat(hops, " -> "), table.concat(hops2, " -> "), host_bridges(lab)), hops
  end
  return ("the path reaches %s (%s), but no answer came"):format(addr, table.concat(hops, " -> ")), hops
end

return M
