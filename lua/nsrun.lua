-- nsrun: build virtual networks from Lua.  The module's entry point.
--   local nsrun = require "nsrun"
--   local lab = nsrun.lab "home"
-- Errors: see nsrun.util (a method raises an nsrun.error; a query may
-- return nil and one).
local core = require "nsrun.core"
local util = require "nsrun.util"
local Lab = require "nsrun.lab"

local M = {
  version = core.version,
  core = core,          -- the C layer, for those who need it
  Error = util.Error,   -- the class of nsrun's errors (nsrun.is_error(e))
  is_error = util.is_error,
}

-- nsrun.lab(name [, opts]) -> a new lab (see docs/api.md)
M.lab = Lab.new

-- nsrun.fail(message): stop the script with an error of nsrun's own: the
-- interpreter prints it after the script's line, with no traceback, and
-- removes what the run made (a scenario's check of its own arguments).
function M.fail(message)
  util.fail(tostring(message))
end

-- The labs this process has made (the interpreter tears these down).
M.opened = Lab.opened

-- nsrun.labs() -> { { name=, pid=, alive=, namespaces=, objects=, bad= }, ... }:
-- the labs on this machine (under /run/nsrun)
function M.labs()
  local out = {}
  for _, name in ipairs(util.check(core.lab_names())) do
    local info = core.lab_read(name)   -- gone meanwhile: not listed
    if info then out[#out + 1] = info end
  end
  return out
end

-- nsrun.destroy(name [, { force = true }]): remove what lab name made.  A
-- lab that is being built (its builder holds its journal) is refused
-- unless force: then its builder is ended first.
function M.destroy(name, opts)
  util.string_arg(name, 1, "destroy")
  for _, lab in ipairs(Lab.opened) do
    if lab.name == name and not lab.destroyed then return lab:destroy(opts and { wait = opts.wait }) end
  end
  local ok, msg, code, problems = core.lab_destroy(name, opts and opts.force)
  if not ok then
    local e = util.err(msg, code, name)
    e.problems = problems
    error(e, 0)
  end
  if opts and opts.wait then Lab.await_freed(name) end
  return true
end

return M
