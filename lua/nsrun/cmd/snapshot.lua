-- nsrun snapshot LAB [-o FILE] [--reach] [--no-neighbours]: the state of
-- every node of a lab that is up (links, addresses, routes, neighbours),
-- as JSON, for `nsrun diff` (nsrun.snapshot).
local util = require "nsrun.util"
local model = require "nsrun.model"
local snapshot = require "nsrun.snapshot"

local eprintf = util.eprintf

local M = {
  usage = "nsrun snapshot LAB [-o FILE] [--reach] [--no-neighbours]",
  summary = "links, addresses, routes, neighbours as JSON",
}

function M.run(argv)
  local labname, out, opts = nil, nil, {}
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a == "-o" then
      out = argv[i + 1]
      if not out then return require("nsrun.cli").usage_error("snapshot", "-o needs a file") end
      i = i + 1
    elseif a == "--reach" then opts.reach = true
    elseif a == "--no-neighbours" then opts.neighbours = false
    elseif a:sub(1, 1) == "-" then return require("nsrun.cli").usage_error("snapshot", "unknown option " .. a)
    elseif labname then return require("nsrun.cli").usage_error("snapshot", "one lab")
    else labname = a end
    i = i + 1
  end
  if not labname then return require("nsrun.cli").usage_error("snapshot") end
  local m, msg = model.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes = {}
  local ok, res = pcall(function()
    for _, n in ipairs(m.nodes) do
      local ns = util.check(model.open(n))
      nodes[#nodes + 1] = { name = n.name, ns = ns, n = n }
    end
    local snap = snapshot.take(m.lab, nodes, opts)
    if opts.reach then snap.reach = snapshot.reach(nodes) end
    return snap
  end)
  for _, n in ipairs(nodes) do n.ns:close() end
  if not ok then eprintf("nsrun: %s\n", util.is_error(res) and res.message or tostring(res)) return 1 end
  local written, err = snapshot.write(res, out)
  if not written then eprintf("nsrun snapshot: %s\n", err) return 1 end
  return 0
end

return M
