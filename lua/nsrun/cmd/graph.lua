-- nsrun graph LAB|SCRIPT [ARG...] [-o FILE.dot] [--svg FILE] [--png FILE]:
-- the topology as Graphviz DOT; a script is rehearsed dry (nothing made, no
-- root needed).
local util = require "nsrun.util"
local model = require "nsrun.model"

local eprintf = util.eprintf
local graph = require "nsrun.graph"

local M = {
  usage = "nsrun graph LAB|SCRIPT [ARG...] [-o FILE.dot] [--svg FILE] [--png FILE]",
  summary = "the topology as Graphviz DOT (a script: dry)",
}

-- graph LAB|SCRIPT [-o FILE] [--svg FILE] [--png FILE]; a script is
-- rehearsed dry (nothing made, no root needed)
function M.run(argv)
  local target, outs, list = nil, {}, {}
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a == "-o" or a == "--svg" or a == "--png" then
      if not argv[i + 1] then return require("nsrun.cli").usage_error("graph", a .. " needs a file") end
      local path = argv[i + 1]
      if a == "--svg" and not path:find("%.svg$") then path = path .. ".svg" end
      if a == "--png" and not path:find("%.png$") then path = path .. ".png" end
      outs[#outs + 1] = path
      i = i + 1
    elseif a:sub(1, 1) == "-" then return require("nsrun.cli").usage_error("graph", "unknown option " .. a)
    elseif not target then target = a
    else list[#list + 1] = a end   -- the script's arguments
    i = i + 1
  end
  if not target then return require("nsrun.cli").usage_error("graph") end
  local models = {}
  local f = io.open(target)
  if f or target:find("%.lua$") then
    if f then f:close() end
    local labs, err = require("nsrun.script").rehearse(target, list)
    if not labs then eprintf("nsrun: %s\n", err) return 1 end
    for _, lab in ipairs(labs) do models[#models + 1] = lab:model() end
    if #models == 0 then eprintf("nsrun: %s makes no lab\n", target) return 1 end
  else
    local m, msg = model.load(target)
    if not m then eprintf("nsrun: %s\n", msg) return 1 end
    m.info = nil
    models[1] = m
  end
  local text = graph.dot(models)
  if #outs == 0 then io.stdout:write(text) return 0 end
  for _, path in ipairs(outs) do
    local ok, msg = graph.write(text, path)
    if not ok then eprintf("nsrun graph: %s: %s\n", path, msg) return 1 end
    eprintf("nsrun graph: wrote %s\n", path)
  end
  return 0
end

return M
