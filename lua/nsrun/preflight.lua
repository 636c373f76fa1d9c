-- nsrun.preflight: before a script makes anything, run it once dry and
-- collect every name it would take that is taken already (namespaces, the
-- host's interfaces, labs), each with the script line and its owner.
--   The rehearsal touches nothing: labs are dry, commands "succeed" with no
--   output, expectations pass unchecked, routes are not computed, and the
--   script's own side effects are muted (print, io.write, io.stdout/stderr,
--   os.execute, io.popen, files opened for writing, os.remove/rename).
--   If the rehearsal itself fails, nothing is concluded from it: the real
--   run reports that error as it would have.
--   The C layer (nsrun.core) would act for real: a script that calls it
--   ends its rehearsal there (an error, so nothing is concluded).
local Lab = require "nsrun.lab"

local M = {}

-- What nsrun.core is during the rehearsal: itself for nsrun's own files
-- (which rehearse dry), an error for the script's.
local function guarded(core)
  return setmetatable({}, { __index = function(_, k)
    local src = debug.getinfo(2, "S").source
    if src:find("^@%[nsrun%]") then return core[k] end
    error(("nsrun.core.%s: the C layer acts for real, not in the pre-flight rehearsal"):format(k), 2)
  end })
end

local function muted()
  local nsrun = require "nsrun"
  local core = package.loaded["nsrun.core"]
  local guard = guarded(core)
  nsrun.core, package.loaded["nsrun.core"] = guard, guard
  local null = assert(io.open("/dev/null", "w"))
  local saved = {
    print = print, write = io.write, stdout = io.stdout, stderr = io.stderr,
    output = io.output(), execute = os.execute, popen = io.popen, open = io.open,
    remove = os.remove, rename = os.rename,
  }
  local open = io.open
  _G.print = function() end
  io.output(null)
  io.stdout, io.stderr = null, null
  os.execute = function(cmd) if cmd == nil then return true end return true, "exit", 0 end
  io.popen = function() return open("/dev/null", "r") end
  io.open = function(path, mode)
    if mode and mode:find("[wa+]") then return open("/dev/null", mode) end
    return open(path, mode)
  end
  os.remove = function() return true end
  os.rename = function() return true end
  return function()
    nsrun.core, package.loaded["nsrun.core"] = core, core
    _G.print, io.stdout, io.stderr = saved.print, saved.stdout, saved.stderr
    io.output(saved.output)
    os.execute, io.popen, io.open = saved.execute, saved.popen, saved.open
    os.remove, os.rename = saved.remove, saved.rename
    null:close()
  end
end

-- rehearse(execute, path, list) -> the dry labs the script made, the
-- collisions found, then what execute returned.  execute(path, list) ->
-- ok, err runs the script the way the real run will.
function M.rehearse(execute, path, list)
  local found = {}
  local plan = { collide = function(msg, by) found[#found + 1] = { msg = msg, by = by } end }
  local first = #Lab.opened + 1
  local restore = muted()
  Lab.planning = plan
  local ok, done, why = pcall(execute, path, list)
  Lab.planning = nil
  restore()
  local labs = {}
  for i = #Lab.opened, first, -1 do table.insert(labs, 1, table.remove(Lab.opened, i)) end
  if not ok then error(done, 0) end   -- a bug here, not in the script
  return labs, found, done, why
end

-- check(execute, path, list) -> the collisions, one line per cause
-- ("script.lua:12: namespace leaf1 exists already (made by lab dc: ...)",
-- or "lab dc is up and holds 12 of the names this script needs ..."),
-- empty when none, then what execute returned, then how many names, then
-- the dry labs.
function M.check(execute, path, list)
  local labs, found, done, why = M.rehearse(execute, path, list)
  local count, lines, said = {}, {}, {}
  for _, f in ipairs(found) do
    if f.by then count[f.by] = (count[f.by] or 0) + 1 end
  end
  for _, f in ipairs(found) do
    if f.by and count[f.by] > 1 then
      if not said[f.by] then
        said[f.by] = true
        lines[#lines + 1] = ("lab %s is up and holds %d of the names this script needs (the first: %s); "
          .. "`nsrun destroy %s` removes it"):format(f.by, count[f.by], f.msg, f.by)
      end
    else
      lines[#lines + 1] = f.msg
    end
  end
  return lines, done, why, #found, labs
end

return M
