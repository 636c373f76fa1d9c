-- Leaf-spines (2 spines, 3 leaves, 2 hosts each) with a link down, where
-- static ECMP cannot know: `nsrun test` must fail, and explain each failed
-- pair by the path its packets took -- the branch of each multipath route
-- the kernel's hash picks for that packet -- in agreement with the node an
-- ICMP error came from.
--   ecmp:  the leaf3-spine1 link down (both ends): leaf1 and leaf2 still
--          spread their flows to leaf3 over both spines; those hashed to
--          spine1 die there (it has no route left).
--   e2-ecmp: spine2's end only of its link to leaf3 down: leaf3's end lost
--          its carrier, and leaf3 (a router: ignore_routes_with_linkdown)
--          skips that next hop; leaf1 and leaf2 still hash the answers to
--          leaf3's hosts onto spine2, which has no route left.
--   e3-ecmp: the same, but leaf3's ends keep the kernel's default (a next
--          hop whose link lost its carrier is still used): leaf3 hashes
--          flows onto the dead link, and the diagnosis says so.
local nsrun = require "nsrun"
local prefix = args and args.prefix or ""

local function fabric(name, p)
  local lab = nsrun.lab(name, { prefix = prefix .. p })
  local t = lab:leafspine { spines = 2, leaves = 3, hosts = 2 }
  lab:autoaddr()
  lab:autoroute()
  local far, near = {}, {}
  for _, h in ipairs(t.hosts) do
    if h.name:find("^h3%-") then far[#far + 1] = h else near[#near + 1] = h end
  end
  local function link(a, b)
    for _, l in ipairs(lab.links) do
      if (l.a.node == a and l.b.node == b) or (l.a.node == b and l.b.node == a) then return l end
    end
  end
  return lab, t, near, far, link
end

local lab, t, near, far, link = fabric("ecmp", "")
link(t.leaves[3], t.spines[1]):down()
lab:expect(near):reaches(far, { name = "leaves 1 and 2 reach leaf3's hosts" })

local lab2, t2, near2, far2, link2 = fabric("ecmp", "e2-")
local spine2 = t2.spines[2]
spine2:down(link2(t2.leaves[3], spine2):side(spine2).name)
lab2:expect(far2):reaches(near2, { name = "leaf3's hosts reach the others" })

local lab3, t3, near3, far3, link3 = fabric("ecmp", "e3-")
local leaf3, spine2b = t3.leaves[3], t3.spines[2]
for _, sp in ipairs(t3.spines) do leaf3:set(link3(leaf3, sp):side(leaf3).name, { ignore_linkdown = false }) end
spine2b:down(link3(leaf3, spine2b):side(spine2b).name)
lab3:expect(far3):reaches(near3, { name = "leaf3's hosts reach the others, leaf3 using dead next hops" })
