-- nsrun impair LAB NODE IFNAME key=value... | clear: link impairments
-- (netem, tbf) on an interface of a lab that is up.
local core = require "nsrun.core"
local util = require "nsrun.util"
local model = require "nsrun.model"

local eprintf = util.eprintf
local impair = require "nsrun.impair"

local M = {
  usage = "nsrun impair LAB NODE IFNAME [delay=TIME] [jitter=TIME] [loss=PERCENT] [duplicate=PERCENT] "
    .. "[reorder=PERCENT] [corrupt=PERCENT] [rate=RATE] [limit=PACKETS] | clear",
  summary = "link impairments (netem, tbf) while it runs",
}

function M.run(argv)
  local labname, node, ifname = argv[1], argv[2], argv[3]
  local cli = require "nsrun.cli"
  if not ifname or not argv[4] then return cli.usage_error("impair") end
  local opts = {}
  if not (argv[4] == "clear" and #argv == 4) then
    for k = 4, #argv do
      local key, value = argv[k]:match("^(%a+)=(.+)$")
      if not key then return cli.usage_error("impair", ("%q is not key=value"):format(argv[k])) end
      opts[key] = value
    end
  end
  local spec, why = impair.parse(opts)
  if not spec then eprintf("nsrun impair: %s\n", why) return 2 end
  local m, msg = model.load(labname)
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local nodes
  nodes, msg = model.select(m, node)
  if not nodes or #nodes ~= 1 then eprintf("nsrun: %s\n", msg or "name one node") return 1 end
  local n = nodes[1]
  local ns
  ns, msg = core.open(n.ns)
  if not ns then eprintf("nsrun: %s\n", msg) return 1 end
  local ok
  ok, msg = ns:impair(ifname, spec)
  if not ok then ns:close(); eprintf("nsrun: %s\n", msg) return 1 end
  local now = ns:impairment(ifname)
  ns:close()
  if not m.partial then
    n.impair = n.impair or {}
    n.impair[ifname] = next(spec) and spec or nil
    model.save(m)
  end
  print(("%s %s: %s"):format(n.name, ifname, now and now.kind ~= "none" and impair.describe(now) or "no impairment"))
  return 0
end

return M
