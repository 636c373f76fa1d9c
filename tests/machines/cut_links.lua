-- nsrun tests/machines/cut_links.lua DIR M1=ADDR M2=ADDR ...: every link of
-- the lab whose model is DIR/model-M1.json is a veth pair when its two nodes
-- are on one machine, else a VXLAN device at each end, toward the other
-- machine's address, with the same VNI, each cut link a VNI of its own; and
-- there is no other VXLAN device.  DIR/links-M.txt holds, for machine M, a
-- line per namespace: its name, then `ip -d -j link show` there.
-- Prints what is wrong and "cut N"; exits 1 when something is.
local json = require "nsrun.json"
local dir = arg[1]
local machines, addr = {}, {}
for i = 2, #arg do
  local m, a = arg[i]:match("^([^=]+)=(.+)$")
  machines[#machines + 1] = m
  addr[m] = a
end
local f = assert(io.open(dir .. "/model-" .. machines[1] .. ".json"))
local model = json.decode(f:read("a"))
f:close()
local where, ns = {}, {}
for _, n in ipairs(model.nodes) do where[n.name], ns[n.name] = n.machine, n.ns end
local links, vxlans = {}, 0
for _, m in ipairs(machines) do
  for line in io.lines(dir .. "/links-" .. m .. ".txt") do
    local node, rest = line:match("^(%S+) (.*)$")
    for _, l in ipairs(json.decode(rest)) do
      links[m .. "/" .. node .. "/" .. l.ifname] = l
      if l.linkinfo and l.linkinfo.info_kind == "vxlan" then vxlans = vxlans + 1 end
    end
  end
end
local bad, cut, vnis, nvni = {}, 0, {}, 0
local function kind(e) return e.linkinfo and e.linkinfo.info_kind end
for _, l in ipairs(model.links) do
  local a, b = l.a, l.b
  local ea = links[where[a] .. "/" .. ns[a] .. "/" .. l.ifa]
  local eb = links[where[b] .. "/" .. ns[b] .. "/" .. l.ifb]
  local name = ("%s:%s -- %s:%s"):format(a, l.ifa, b, l.ifb)
  if not ea or not eb then
    bad[#bad + 1] = name .. ": an end is missing"
  elseif where[a] == where[b] then
    if kind(ea) ~= "veth" or kind(eb) ~= "veth" then
      bad[#bad + 1] = ("%s on %s: %s and %s, not a veth pair"):format(name, where[a], kind(ea), kind(eb))
    end
  else
    cut = cut + 1
    for _, e in ipairs { { ea, where[a], where[b] }, { eb, where[b], where[a] } } do
      local d = e[1].linkinfo and e[1].linkinfo.info_data or {}
      if kind(e[1]) ~= "vxlan" or d.remote ~= addr[e[3]] or d["local"] ~= addr[e[2]] then
        bad[#bad + 1] = ("%s: the end on %s is %s (local %s, remote %s)"):format(name, e[2], tostring(kind(e[1])),
          tostring(d["local"]), tostring(d.remote))
      end
    end
    local va = ea.linkinfo and ea.linkinfo.info_data and ea.linkinfo.info_data.id
    local vb = eb.linkinfo and eb.linkinfo.info_data and eb.linkinfo.info_data.id
    if va ~= vb then bad[#bad + 1] = name .. ": the ends' VNIs differ" end
    if va and not vnis[va] then vnis[va] = true; nvni = nvni + 1 end
  end
end
if nvni ~= cut then bad[#bad + 1] = ("%d cut links share %d VNIs"):format(cut, nvni) end
if vxlans ~= 2 * cut then bad[#bad + 1] = ("%d VXLAN devices for %d cut links"):format(vxlans, cut) end
for _, b in ipairs(bad) do print(b) end
print("cut " .. cut)
if #bad > 0 then os.exit(1) end
