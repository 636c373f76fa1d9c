-- nsrun.diagnose: where does a path break?  Follows a packet through the
-- lab as the kernel of each hop would send it: each hop is asked (RTM_GETROUTE,
-- `ip route get DST from SRC iif IN ipproto icmp`) exactly what it decides
-- for that packet -- its source, the interface it came in on, its protocol,
-- which together pick the branch of a multipath route the kernel's hash
-- takes -- then the outgoing link's state; the way back likewise, from the
-- address the echo was sent to.
local core = require "nsrun.core"

local M = {}

-- an address as the kernel writes it (IPv6: "fd00::a00:102" for
-- "fd00::10.0.1.2"), the key of owners and of what the kernel answers
function M.canon(addr)
  if not addr:find(":", 1, true) then return addr end
  local p = require("nsrun.core").prefix(addr)
  return p and p.addr or addr
end
local canon = M.canon

-- address (without length, as canon writes it) -> node, for every address
-- in the lab
function M.owners(lab)
  local t = {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do t[canon(a.cidr:match("^[^/]+"))] = node end
  end
  return t
end

-- address (without length) -> the interface it is on: { node =, ifname = }
local function ends(lab)
  local t = {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do t[canon(a.cidr:match("^[^/]+"))] = { node = node, ifname = a.ifname } end
  end
  return t
end

-- the node at the other end of node's interface ifname, if a link of the
-- lab's leads there
local function peer(node, ifname)
  local link = node.ifaces[ifname]
  if getmetatable(link) and link.side then
    return link.a.node == node and link.b.node or link.a.node
  end
end

-- "; links eth0 (to leaf2) are down": links of node that have no carrier
local function down_links(node)
  local down = {}
  for ifname in pairs(node.ifaces) do
    local st = node.ns:link_state(ifname)
    local other = peer(node, ifname)
    if st and not (st.up and st.lower_up) and other then
      down[#down + 1] = ("%s (to %s)"):format(ifname, other.name)
    end
  end
  if #down == 0 then return "" end
  table.sort(down)
  return ("; link%s %s %s down"):format(#down > 1 and "s" or "", table.concat(down, ", "),
    #down > 1 and "are" or "is")
end

-- walk(lab, from, addr [, owner [, src]]) -> ok, why, hops, brk, steps: the
-- path of an ICMP echo from node `from` to addr, sent from src (nil: the
-- source the kernel gives it).  hops: the nodes' names, from first; brk,
-- where it breaks: { node =, dev =, to =, what = } (to: the node the link
-- leads to); steps: each hop's { node =, dev =, to =, ifname = } (out of
-- node's dev into to's ifname).
function M.walk(lab, from, addr, owner, src)
  owner = owner or M.owners(lab)
  addr = canon(addr)
  local at = ends(lab)
  local proto = addr:find(":", 1, true) and 58 or 1   -- ICMPv6, ICMP
  local cur, iif, seen, hops, steps = from, nil, {}, { from.name }, {}
  local function broke(why, brk) return false, why, hops, brk, steps end
  for _ = 1, 128 do
    if owner[addr] == cur then return true, nil, hops, nil, steps end
    if seen[cur] then
      return broke(("a loop: %s"):format(table.concat(hops, " -> ")), { node = cur.name, what = "a loop" })
    end
    seen[cur] = true
    local r, msg, code = cur.ns:route_get(addr, { src = src, iif = iif, proto = proto })
    if not r and code == core.errno.EOPNOTSUPP then
      -- a node on another machine (nsrun --hosts): its kernel is not read from here
      return broke(("not traced: %s (paths are not traced across machines)"):format(msg))
    end
    if not r then
      return broke(("%s has no route to %s (%s)%s"):format(cur.name, addr,
        msg:match(": ([^:]+)$") or msg, down_links(cur)), { node = cur.name, what = "no route" })
    end
    src = src or r.prefsrc
    if r.type == "local" then return true, nil, hops, nil, steps end
    if r.type ~= "unicast" then
      return broke(("%s has a %s route to %s (a black hole)"):format(cur.name, r.type, addr),
        { node = cur.name, what = r.type .. " route" })
    end
    local via = r.gateway or addr
    local e = at[via]
    local nxt = e and e.node
    local st = r.dev and cur.ns:link_state(r.dev)
    if st and not (st.up and st.lower_up) then
      local to = nxt or peer(cur, r.dev)
      local why = ("%s: next hop %s via %s: link down (%s)")
        :format(cur.name, to and to.name or via, r.dev, st.up and "no carrier: its other end is down" or "down")
      -- the route as a whole: a multipath one keeps hashing flows onto it
      local route = cur.ns:route_get(addr, { src = src, iif = iif, proto = proto, fibmatch = true })
      if route and route.multipath > 1 then
        why = why .. ("; %s still hashes this flow onto %s, one of the %d next hops of its route "
          .. "(the kernel keeps a next hop whose link lost its carrier unless "
          .. "net.ipv4.conf.%s.ignore_routes_with_linkdown is 1)")
          :format(cur.name, r.dev, route.multipath, r.dev)
      end
      return broke(why, { node = cur.name, dev = r.dev, to = to and to.name, what = "link down" })
    end
    if not nxt then
      return broke(("%s sends %s to %s via %s, where no node of the lab is (a black hole)")
        :format(cur.name, addr, via, r.dev or "?"), { node = cur.name, dev = r.dev, what = "a black hole" })
    end
    hops[#hops + 1] = nxt.name
    steps[#steps + 1] = { node = cur, dev = r.dev, to = nxt, ifname = e.ifname }
    if owner[addr] ~= nxt and not nxt.forwards then
      return broke(("%s sends %s to %s, which does not forward"):format(cur.name, addr, nxt.name),
        { node = nxt.name, what = "does not forward" })
    end
    cur, iif = nxt, e.ifname
  end
  return broke("the path is longer than 128 hops", { node = cur.name, what = "too long" })
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

-- The firewalls of node that may drop what passes: nftables base chains
-- (iptables-nft's too) whose policy drops, and rules that drop or reject
-- and counted packets.  "router: nftables ip filter FORWARD (policy drop)";
-- nil when nft finds none (or is not installed).
function M.firewall(node)
  local status, out = node.ns:run { "nft", "-j", "list", "ruleset" }
  if status ~= 0 then return nil end
  -- a verdict is a key whose value is null ({"drop": null}): keep it
  out = out:gsub('"(%a+)":%s*null', '"%1": true')
  local doc = require("nsrun.json").decode(out)
  local found = {}
  for _, item in ipairs(doc and doc.nftables or {}) do
    local c, r = item.chain, item.rule
    if c and c.hook and c.policy == "drop" then
      found[#found + 1] = ("%s %s %s (hook %s, policy drop)"):format(c.family, c.table, c.name, c.hook)
    elseif r then
      local packets, verdict = 0, nil
      for _, e in ipairs(r.expr or {}) do
        if type(e) == "table" then
          if e.counter then packets = e.counter.packets or 0 end
          if e.drop ~= nil or e.reject ~= nil then verdict = e.drop ~= nil and "drop" or "reject" end
        end
      end
      if verdict and packets > 0 then
        found[#found + 1] = ("%s %s %s (a rule that %ss, %d packets%s)"):format(r.family, r.table,
          r.chain, verdict, packets, r.comment and ": " .. r.comment or "")
      end
    end
  end
  if #found == 0 then return nil end
  return ("%s's nftables: %s"):format(node.name, table.concat(found, ", "))
end

-- "; a firewall may drop it: ..." for the nodes of a path, once each, or
-- ""; and the first node with one
local function firewalls(lab, names)
  local seen, said, first = {}, {}, nil
  for _, name in ipairs(names) do
    local node = lab.nodes[name]
    if node and not seen[node] then
      seen[node] = true
      local fw = M.firewall(node)
      if fw then said[#said + 1] = fw; first = first or node.name end
    end
  end
  if #said == 0 then return "" end
  return "; a firewall may drop it: " .. table.concat(said, "; "), first
end

-- explain(lab, src, addr [, from [, what]]) -> a sentence: where the path
-- from src to addr, or the way back, breaks; the nodes of the path walked
-- (src first); where it breaks (see walk).  from: the node an ICMP error
-- about this pair came from, which the explanation must agree with; what:
-- the packet that got no answer ("the echo", "tcp/443").
function M.explain(lab, src, addr, from, what)
  local owner = M.owners(lab)
  addr = canon(addr)
  local ok, why, hops, brk = M.walk(lab, src, addr, owner)
  if not ok then
    if from and brk and brk.node ~= from.name then
      local passes = false
      for _, h in ipairs(hops) do passes = passes or h == from.name end
      if not passes then
        why = why .. ("; the ICMP error came from %s, which this walk did not reach: the path "
          .. "changed while it was probed?"):format(from.name)
      end
    end
    return why, hops, brk
  end
  local dst = owner[addr]
  local back = src:ip(addr:find(":", 1, true) and 6 or 4)
  if dst and back then
    -- the echo reply leaves dst from the address the echo was sent to
    local ok2, why2, hops2, brk2 = M.walk(lab, dst, back, owner, addr)
    if not ok2 then return "on the way back: " .. why2, hops, brk2 end
    local fw, at = firewalls(lab, hops)
    return ("the path looks complete (%s, back %s): %s was lost%s%s")
      :format(table.concat(hops, " -> "), table.concat(hops2, " -> "), what or "the echo",
        fw ~= "" and fw or " (a firewall? rp_filter? an unresolved neighbour?)", host_bridges(lab)),
      hops, at and { node = at, what = "firewall" } or { node = dst.name, what = "lost" }
  end
  return ("the path reaches %s (%s), but no answer came"):format(addr, table.concat(hops, " -> ")),
    hops, nil
end

-- The break most failures share, in words: "8 failures, all through
-- spine1 eth2 (link down)", "6 of 8 failures at leaf3 (no route)"; nil
-- when no two failures were diagnosed alike.
function M.summary(failures)
  local count, order, diagnosed = {}, {}, 0
  for _, f in ipairs(failures) do
    local b = f.brk
    if b then
      diagnosed = diagnosed + 1
      local key = b.dev and ("through %s %s (%s%s)"):format(b.node, b.dev, b.what,
        b.to and ", to " .. b.to or "") or ("at %s (%s)"):format(b.node, b.what)
      if not count[key] then order[#order + 1] = key end
      count[key] = (count[key] or 0) + 1
    end
  end
  local best
  for _, k in ipairs(order) do
    if not best or count[k] > count[best] then best = k end
  end
  if not best or #failures < 2 or count[best] < 2 then return nil end
  if count[best] == #failures then
    return ("%d failure%s, %s%s"):format(#failures, #failures > 1 and "s" or "",
      #failures > 1 and "all " or "", best)
  end
  return ("%d of %d failures %s%s"):format(count[best], #failures, best,
    diagnosed < #failures and (" (%d diagnosed)"):format(diagnosed) or "")
end

return M
