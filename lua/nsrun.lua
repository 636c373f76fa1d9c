-- nsrun: build virtual networks from Lua.  The module's entry point.
--   local nsrun = require "nsrun"
--   local lab = nsrun.lab "home"
local core = require "nsrun.core"
local Lab = require "nsrun.lab"

local M = {
  version = core.version,
  core = core,          -- the C layer, for those who need it
}

-- nsrun.lab(name [, opts]) -> a new lab (see docs/api.md)
M.lab = Lab.new

-- nsrun.fail(message): stop the script with an error of nsrun's own: the
-- interpreter prints it after the script's line, with no traceback, and
-- removes what the run made (a scenario's check of its own arguments).
function M.fail(message)
  require("nsrun.util").fail(tostring(message))
end

-- The labs this process has made (the interpreter tears these down).
M.opened = Lab.opened

-- nsrun.labs() -> { { name=, pid=, alive=, namespaces=, objects= }, ... }
function M.labs()
  local out = {}
  for _, name in ipairs(assert(core.lab_names())) do
    local info = core.lab_read(name)
    if info then out[#out + 1] = info end
  end
  return out
end

-- nsrun.destroy(name) -> true, or nil, message: remove what lab name made.
function M.destroy(name)
  for _, lab in ipairs(Lab.opened) do
    if lab.name == name and not lab.destroyed then return lab:destroy() end
  end
  return core.lab_destroy(name)
end

return M
