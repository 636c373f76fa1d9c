-- nsrun path LAB A B [--flows N] [--hops N]: the path from node A to node
-- B (or an address) of a lab that is up, hop by hop by node name, as
-- traceroute finds it from inside A (nsrun.path); with flows, every
-- distinct path their source ports take through ECMP.
local util = require "nsrun.util"
local model = require "nsrun.model"
local path = require "nsrun.path"
local core = require "nsrun.core"
local diagnose = require "nsrun.diagnose"
local canon = diagnose.canon

local eprintf = util.eprintf

local M = {
  usage = "nsrun path LAB A B|ADDRESS [--flows N] [--hops N]",
  summary = "the path between two nodes, hop by hop, by node name",
}

local function usage(msg) return require("nsrun.cli").usage_error("path", msg) end

function M.run(argv)
  local args, opts = {}, { flows = 1, hops = 16 }
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a == "--flows" or a == "--hops" then
      local v = math.tointeger(tonumber(argv[i + 1] or ""))
      local max = a == "--flows" and 256 or 64
      if not v or v < 1 or v > max then return usage(("%s: a number 1..%d"):format(a, max)) end
      opts[a:sub(3)] = v
      i = i + 1
    elseif a:sub(1, 1) == "-" then return usage("unknown option " .. a)
    else args[#args + 1] = a end
    i = i + 1
  end
  if #args ~= 3 then return usage() end
  local m, msg = model.load(args[1])
  if not m then eprintf("nsrun: %s\n", msg) return 1 end
  local byname, owner = {}, diagnose.owners { order = m.nodes }   -- the model's nodes
  for _, n in ipairs(m.nodes) do byname[n.name] = n end
  local a, b = byname[args[2]], byname[args[3]]
  if not a then eprintf("nsrun path: lab %s has no node %s\n", m.lab, args[2]) return 1 end
  local addr = args[3]
  if b then
    addr = nil
    for _, x in ipairs(b.addrs or {}) do
      if not addr or (addr:find(":", 1, true) and not x.cidr:find(":", 1, true)) then addr = x.cidr:match("^[^/]+") end
    end
    if not addr then eprintf("nsrun path: %s has no address\n", b.name) return 1 end
  else
    local p = core.prefix(addr)
    if not p or p.has_len then
      eprintf("nsrun path: %s is neither a node of lab %s nor an address\n", addr, m.lab) return 1
    end
    b = owner[canon(addr)]
  end
  local opened = {}
  local ok, res = pcall(function()
    -- the lab's routers and B answer every probe (the host's namespace is not touched)
    local nodes = {}
    for _, n in ipairs(m.nodes) do
      if n.role ~= "attached" and not n.pid and not n.container then   -- made by the lab
        local ns = util.check(model.open(n))
        opened[#opened + 1] = ns
        nodes[#nodes + 1] = { ns = ns, owned = true, forwards = n.role == "router" or n == b or nil }
      end
    end
    path.unlimit(nodes)
    local src = util.check(model.open(a))
    opened[#opened + 1] = src
    return path.trace({ src }, { addr }, { 1, 1 }, function(x) return owner[x] and owner[x].name or x end,
      { flows = opts.flows, hops = opts.hops })[1]
  end)
  for _, ns in ipairs(opened) do ns:close() end
  if not ok then eprintf("nsrun path: %s\n", util.is_error(res) and res.message or tostring(res)) return 1 end
  local to = b and b.name or addr
  print(("%s -> %s (%s), %d flow%s:"):format(a.name, to, addr, opts.flows, opts.flows == 1 and "" or "s"))
  local reached = true
  for _, p in ipairs(res.paths) do
    print(("  %s%s"):format(path.show(p, a.name, to), opts.flows > 1 and (" (%d flow%s)")
      :format(p.flows, p.flows == 1 and "" or "s") or ""))
    reached = reached and p.reached
  end
  if not reached then
    eprintf("nsrun path: no answer from %s within %d hops\n", to, opts.hops)
    return 1
  end
  return 0
end

return M
