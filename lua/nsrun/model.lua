-- nsrun.model: a lab that is up, as the command line reads it: its model
-- from /run/nsrun/LAB/topology.json (lab:model(), written when its script
-- ends), its nodes chosen by name or pattern, and their namespaces opened.
local core = require "nsrun.core"
local json = require "nsrun.json"

local M = {}

local function topology_path(name) return core.state_dir .. "/" .. name .. "/topology.json" end

-- load(name) -> the lab's model (see lab:model()), with .info (what
-- core.lab_read says), or nil, message.  With no topology file (a build
-- killed midway, a lab made through the module without lab:save()), its
-- namespaces as the journal records them, and .partial.
function M.load(name)
  local why = core.name_invalid(name)
  if why then return nil, ("lab name %q: %s"):format(name, why) end
  local info, msg, code = core.lab_read(name)
  if not info then
    if code == core.errno.ENOENT then return nil, ("no lab %s (`nsrun list` shows the labs)"):format(name) end
    return nil, msg
  end
  local f = io.open(topology_path(name))
  if f then
    local m, err = json.decode(f:read("a"))
    f:close()
    if not m then return nil, ("lab %s: %s: %s"):format(name, topology_path(name), err) end
    m.info = info
    if m.machine then   -- this machine's part of a lab across machines
      local here, away = {}, {}
      for _, n in ipairs(m.nodes) do
        if n.machine == m.machine then here[#here + 1] = n else away[n.name] = n.machine end
      end
      m.all_nodes, m.nodes, m.away = m.nodes, here, away
    end
    return m
  end
  local m = { lab = name, nodes = {}, links = {}, bridges = {}, info = info, partial = true }
  for _, r in ipairs(info.records) do
    if r[1] == "ns" or r[1] == "attach" then
      m.nodes[#m.nodes + 1] = { name = r[2], ns = r[2], role = r[1] == "ns" and "node" or "attached" }
    end
  end
  return m
end

-- save(m): write the model back (after `nsrun impair` changed it)
function M.save(m)
  local path = topology_path(m.lab)
  local mine, all, away, info = m.nodes, m.all_nodes, m.away, m.info
  m.nodes, m.all_nodes, m.away, m.info = all or mine, nil, nil, nil
  local f = io.open(path .. ".new", "w")
  if f then
    f:write(json.encode(m), "\n")
    f:close()
    os.rename(path .. ".new", path)
  end
  m.nodes, m.all_nodes, m.away, m.info = mine, all, away, info
end

-- glob("leaf*") -> a Lua pattern for a shell glob of node names: * any
-- text, ? one character; every other character is itself
function M.glob(p)
  local lua = p:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return "^" .. lua .. "$"
end

-- is_pattern(spec) -> whether a node spec names more than one node
function M.is_pattern(spec) return spec:find("[%*%?,]") ~= nil end

-- select(model, "leaf1,spine*") -> the nodes, or nil, message: names in
-- the order given, each pattern's matches in the lab's order
function M.select(m, spec)
  local byname, out, chosen = {}, {}, {}
  for _, n in ipairs(m.nodes) do byname[n.name] = n end
  local function take(n)
    if not chosen[n] then chosen[n] = true; out[#out + 1] = n end
  end
  for item in spec:gmatch("[^,]+") do
    if item:find("[%*%?]") then
      local p, any = M.glob(item), false
      for _, n in ipairs(m.nodes) do
        if n.name:match(p) then take(n); any = true end
      end
      for name in pairs(m.away or {}) do any = any or name:match(p) ~= nil end   -- on other machines
      if not any then return nil, ("no node of lab %s matches %s"):format(m.lab, item) end
    else
      if not byname[item] and m.away and m.away[item] then
        return nil, ("node %s of lab %s is on machine %s (nsrun --hosts ... exec reaches it)"):format(item, m.lab, m.away[item])
      end
      if not byname[item] then return nil, ("lab %s has no node %s"):format(m.lab, item) end
      take(byname[item])
    end
  end
  if #out == 0 then return nil, "no node given" end
  return out
end

-- open(n) -> a node's namespace handle, or nil, message; for a container,
-- holding its process so that commands join all its namespaces (its pid
-- as Docker has it now)
function M.open(n)
  local ns, msg = core.open(n.ns)
  if not ns then return nil, msg end
  for _, b in ipairs(n.binds or {}) do   -- its daemons' directories
    local ok, err = ns:bind(b[1], b[2])
    if not ok then ns:close(); return nil, err end
  end
  if n.hostname then ns:hostname(n.hostname) end
  if n.container then
    local pid = n.pid
    local docker = core.docker()
    if docker then
      local c = docker:inspect(n.container.id or n.container.name)
      if c and c.running then pid = c.pid end
      docker:close()
    end
    if pid and ns:hold(pid) then ns:whole(true) end
  end
  return ns
end

return M
