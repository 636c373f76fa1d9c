-- nsrun.class: the classes of a lab's objects, defined once.  Each file
-- adds the methods of its concern (as luv's files add theirs to one
-- metatable): lab.lua the lab's life, node.lua nodes, link.lua links and
-- interface names, bridge.lua bridges and VLANs, dev.lua devices,
-- container.lua containers and attached namespaces, limits.lua host-wide
-- limits, ipam.lua and routing.lua addresses and routes, l2.lua static
-- neighbours, expect.lua and ping.lua checks.
local core = require "nsrun.core"
local util = require "nsrun.util"

local M = {}

-- The last name looked up on an object of these classes and not found:
-- when a script calls a method that is not there (a misspelling), the
-- interpreter says which object it asked (nsrun.script).
M.missed = { object = nil, key = nil }

local function class(name)
  local c = { __name = name }
  c.__index = function(obj, k)
    local v = c[k]
    if v == nil then M.missed.object, M.missed.key = obj, k end
    return v
  end
  return c
end

M.Lab = class "nsrun.lab"
M.Node = class "nsrun.node"
M.Bridge = class "nsrun.bridge"
M.Link = class "nsrun.link"

-- The labs this process has made, in order (the interpreter tears them down).
M.opened = {}

-- alive(lab): raise if the lab was destroyed
function M.alive(lab)
  if lab.destroyed then util.fail(("lab %s was destroyed"):format(lab.name), nil, lab.name) end
end

-- node_arg(node, fname): a method of Node called on a node of a live lab
function M.node_arg(self, fname)
  util.arg(getmetatable(self) == M.Node, 1, fname, "node expected (use node:" .. fname .. ")")
  M.alive(self.lab)
end

-- timed(lab, phase, fn) -> what fn returns (two values), adding the time
-- it took to lab.times[phase] (the summary's per-phase seconds)
function M.timed(lab, phase, fn)
  local t0 = core.now()
  local r, r2 = fn()
  lab.times[phase] = (lab.times[phase] or 0) + core.now() - t0
  return r, r2
end

function M.is_node(v) return getmetatable(v) == M.Node end
-- here(node): whether node's namespace is on this machine (a lab across
-- machines has the others' in its model only: nsrun.machines)
function M.here(node) return not node.lab.part or node.lab.part:here(node) end
function M.is_bridge(v) return getmetatable(v) == M.Bridge end
function M.is_link(v) return getmetatable(v) == M.Link end

return M
