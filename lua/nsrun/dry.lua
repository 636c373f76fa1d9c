-- nsrun.dry: a backend that builds the lab's model and touches nothing:
-- nsrun.lab(name, { dry = true }).  For tests without root, and for
-- looking at what a script would build (counts, addresses, routes).
local M = {}

local NS = { __name = "nsrun.dryns" }
NS.__index = NS

-- what a fresh namespace (and the host) reads before anything is written
local DEFAULTS = {
  ["net.ipv4.neigh.default.gc_thresh1"] = "128",
  ["net.ipv4.neigh.default.gc_thresh2"] = "512",
  ["net.ipv4.neigh.default.gc_thresh3"] = "1024",
  ["net.ipv6.neigh.default.gc_thresh1"] = "128",
  ["net.ipv6.neigh.default.gc_thresh2"] = "512",
  ["net.ipv6.neigh.default.gc_thresh3"] = "1024",
}

local function new(name) return setmetatable({ nsname = name, sysctls = {} }, NS) end

local function ok() return true end
NS.veth, NS.bridge, NS.set, NS.del, NS.addr, NS.route, NS.route_batch, NS.route_del =
  ok, ok, ok, ok, ok, ok, ok, ok
NS.impair, NS.addr_batch, NS.dev, NS.bridge_vlan, NS.rule, NS.neigh = ok, ok, ok, ok, ok, ok
function NS:close() end
function NS:ifindex() return nil end
function NS:name() return self.nsname end
function NS:sysctl(key, value)
  if value ~= nil then self.sysctls[key] = value; return true end
  return self.sysctls[key] or DEFAULTS[key] or "0"
end
local function nothing() return nil, "a dry lab runs no command", require("nsrun.core").errno.EOPNOTSUPP end
NS.run, NS.spawn = nothing, nothing
NS.__tostring = function(self) return "dry netns " .. self.nsname end

function M.root() return new("") end
function M.create(name) return new(name) end
function M.attach(name) return new(name) end
function M.exists() return false end

local Journal = {}
Journal.__index = Journal
Journal.add, Journal.undo, Journal.close = ok, ok, function() end
function Journal:dir() return "(dry)" end

function M.lab_create() return setmetatable({}, Journal) end
function M.lab_destroy() return true end
function M.delete_many() return true end

-- The pre-flight pass (nsrun.preflight): a dry lab that looks at the real
-- machine for names already taken, and whose commands "succeed" with no
-- output so the script goes on to make everything it would make.
function M.planned(collide)
  local core = require "nsrun.core"
  local P = setmetatable({}, { __index = M })
  local function run() return 0, "", "" end
  function P.root()
    local ns = new("")
    ns.run = run
    local host = core.root()
    function ns:ifindex(name) return host and host:ifindex(name) end
    return ns
  end
  function P.create(name)
    local ns = new(name)
    ns.run, ns.spawn = run, function() return 0, 0 end
    return ns
  end
  P.attach = P.create
  function P.exists(name) return core.exists(name) end
  function P.lab_create(name)
    if core.lab_read(name) then
      collide(require("nsrun.util").where() .. ("lab %s exists already (`nsrun destroy %s` removes it)")
        :format(name, name), name)
    end
    return M.lab_create(name)
  end
  return P
end

return M
