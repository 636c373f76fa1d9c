-- nsrun destroy [--force] [--wait] LAB... | --all: remove what labs created.
local nsrun = require "nsrun"
local core = require "nsrun.core"
local util = require "nsrun.util"

local eprintf = util.eprintf

local M = {
  usage = "nsrun destroy [--force] [--wait] LAB... | --all",
  summary = "remove what labs created",
}

function M.run(argv)
  local names, all, force, wait = {}, false, false, false
  for _, a in ipairs(argv) do
    if a == "--all" then all = true
    elseif a == "--force" then force = true
    elseif a == "--wait" then wait = true
    elseif a:sub(1, 1) == "-" then return require("nsrun.cli").usage_error("destroy", "unknown option " .. a)
    else names[#names + 1] = a end
  end
  if all then
    if #names > 0 then return require("nsrun.cli").usage_error("destroy", "--all or names, not both") end
    for _, l in ipairs(nsrun.labs()) do names[#names + 1] = l.name end
    if #names == 0 then print("no labs") return 0 end
  end
  if #names == 0 then return require("nsrun.cli").usage_error("destroy", "name a lab, or --all") end
  local status, destroyed = 0, {}
  for _, name in ipairs(names) do
    local info = core.lab_read(name)
    if info and info.bad > 0 then
      eprintf("nsrun: lab %s: its journal has %d unreadable lines (torn or corrupt): "
        .. "removing what the rest records\n", name, info.bad)
    end
    local ok, e = pcall(nsrun.destroy, name, { force = force })
    if ok then print("destroyed lab " .. name); destroyed[#destroyed + 1] = name
    elseif util.is_error(e) and e.errno == core.errno.ENOENT then
      eprintf("nsrun: %s (nothing to destroy)\n", e.message)
    else
      eprintf("nsrun: destroy %s: %s\n", name, tostring(e))
      status = 1
    end
  end
  -- --wait: once for all of them (the kernel frees them in one batch)
  if wait and #destroyed > 0 then require("nsrun.lab").await_freed(table.concat(destroyed, ", ")) end
  return status
end

return M
