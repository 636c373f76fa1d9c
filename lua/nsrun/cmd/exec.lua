-- nsrun exec LAB NODE[,NODE...]|PATTERN -- CMD [ARG...]: a command in
-- nodes of a lab that is up (a container: in all its namespaces).
local util = require "nsrun.util"
local model = require "nsrun.model"

local eprintf = util.eprintf

local M = {
  usage = "nsrun exec LAB NODE[,NODE...]|PATTERN -- CMD [ARG...]",
  summary = "run a command in nodes (a container: in it)",
}

function M.run(argv)
  local labname, spec = argv[1], argv[2]
  local i = 3
  if argv[i] == "--" then i = i + 1 end
  local cmd = table.move(argv, i, #argv, 1, {})
  if not labname or not spec or spec == "--" or #cmd == 0 then
    return require("nsrun.cli").usage_error("exec")
  end
  local m, msg = model.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes
  nodes, msg = model.select(m, spec)
  if not nodes then eprintf("nsrun: %s\n", msg) return 1 end
  if #nodes == 1 and not model.is_pattern(spec) then
    -- one node: the command has the terminal; nsrun exits with its status
    local ns
    ns, msg = model.open(nodes[1])
    if not ns then eprintf("nsrun: %s\n", msg) return 1 end
    local status
    status, msg = ns:exec(cmd)
    ns:close()
    if not status then eprintf("nsrun: %s\n", msg) return 127 end
    return status
  end
  -- several: one after another, each line of output prefixed with the
  -- node's name, then every node's status; 1 when any failed
  local failed = {}
  for _, n in ipairs(nodes) do
    local ns, status, out, err
    ns, msg = model.open(n)
    if ns then
      status, out, err = ns:run(cmd)
      ns:close()
      if not status then msg = out end
    end
    for line in (out or ""):gmatch("[^\n]+") do io.stdout:write(n.name, ": ", line, "\n") end
    for line in (err or ""):gmatch("[^\n]+") do io.stderr:write(n.name, ": ", line, "\n") end
    io.stdout:flush()
    if status ~= 0 then
      failed[#failed + 1] = ("%s (%s)"):format(n.name,
        status and ("exit " .. status) or msg)
    end
  end
  if #failed > 0 then
    eprintf("nsrun exec: %d of %d nodes failed: %s\n", #failed, #nodes, table.concat(failed, ", "))
    return 1
  end
  eprintf("nsrun exec: %d nodes, all exited 0\n", #nodes)
  return 0
end

return M
