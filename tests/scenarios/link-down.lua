-- A leaf-spine where one leaf's links to both spines are down: `nsrun
-- test` must fail and name the link.
local nsrun = require "nsrun"
local lab = nsrun.lab "broken-link"
local t = lab:leafspine { spines = 2, leaves = 2, hosts = 1 }
lab:autoaddr()
lab:autoroute()
local leaf2 = t.leaves[2]
for _, l in ipairs(lab.links) do
  if l.a.node == leaf2 and not l.bridge then l:down() end
end
lab:expect(t.hosts[1]):reaches(t.hosts[2])
