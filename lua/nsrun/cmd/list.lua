-- nsrun list [--json]: the labs on this machine.
local nsrun = require "nsrun"

local M = { usage = "nsrun list [--json]", summary = "show the labs on this machine" }

function M.run(argv)
  if argv[1] and (argv[1] ~= "--json" or argv[2]) then
    return require("nsrun.cli").usage_error("list")
  end
  local labs = nsrun.labs()
  if argv[1] == "--json" then
    local out = {}
    for i, l in ipairs(labs) do
      out[i] = { name = l.name, namespaces = l.namespaces, objects = l.objects, pid = l.pid,
        alive = l.alive, unreadable = l.bad > 0 and l.bad or nil }
    end
    io.stdout:write(require("nsrun.json").encode(out), "\n")
    return 0
  end
  if #labs == 0 then print("no labs") return 0 end
  print(("%-24s %10s %8s  %s"):format("LAB", "NAMESPACES", "OBJECTS", "MADE BY"))
  for _, l in ipairs(labs) do
    print(("%-24s %10d %8d  pid %d (%s)"):format(l.name, l.namespaces, l.objects, l.pid,
      l.alive and "running" or "exited"))
  end
  return 0
end

return M
