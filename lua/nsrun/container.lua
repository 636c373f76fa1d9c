-- nsrun.container: Docker containers as nodes, and namespaces of running
-- processes or containers attached as nodes.
--   lab:container(name, { image =, cmd =, env =, role = }) -> node
--   lab:attach(name, { pid = N } | { docker = "name-or-id" }) -> node
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local journal = require "nsrun.journal"

local fail, arg = util.fail, util.arg
local Lab = class.Lab

-- The lab's Docker Engine connection, opened on first use.
function Lab:docker()
  if not self.engine then self.engine = util.check(core.docker()) end
  return self.engine
end

-- lab:attach(name, { pid = N } | { docker = "name-or-id" }): name the
-- network namespace of a running process or container (as `ip netns
-- attach`, a bind mount).  Teardown removes the name (and the links made in
-- it), never the process or the container.
function Lab:attach(name, opts)
  arg(type(opts) == "table" and (math.type(opts.pid) == "integer" or type(opts.docker) == "string"),
    2, "attach", "{ pid = N } or { docker = name } expected")
  local c
  if opts.docker and not self.dry then
    local msg, code
    c, msg, code = self:docker():inspect(opts.docker)
    if not c then fail(msg, code, name) end
    if not c.running then fail(("container %s is not running"):format(opts.docker), nil, name) end
  end
  local node = journal.claim(self, name, "attach", "attach",
    function(nsname) return self.sys.attach(nsname, c and c.pid or opts.pid) end)
  node.role, node.owned, node.pid = "attached", false, c and c.pid or opts.pid
  node.known = {}
  if c then
    node.container = { id = c.id, name = c.name, adopted = true, where = util.where() }
    node.ns:whole(true)
  end
  return node
end

-- lab:container(name, { image =, cmd = {...}, env = { KEY = "value" },
-- role = "host"|"router" }): a Docker container with no network (like
-- `docker run --net=none`), started, its network namespace attached as
-- /run/netns/NAME; from then on a node like any other.  Commands run in all
-- the container's namespaces.  Teardown removes the container.
function Lab:container(name, opts)
  arg(type(opts) == "table" and type(opts.image) == "string", 2, "container",
    "{ image = ... } expected")
  local cmd = opts.cmd
  if type(cmd) == "string" then cmd = util.split(cmd) end
  arg(cmd == nil or type(cmd) == "table", 2, "container", "cmd must be a table or a string")
  local env = {}
  for k, v in pairs(opts.env or {}) do
    env[#env + 1] = math.type(k) == "integer" and tostring(v) or (k .. "=" .. tostring(v))
  end
  table.sort(env)
  local id, pid
  local node = journal.claim(self, name, "attach", "container", function(nsname)
    if self.dry then return self.sys.create(nsname) end
    local docker = self:docker()
    local record = "container " .. nsname
    id = journal.journaled(self, record, docker.create, docker, nsname, opts.image, cmd or {},
      env, self.name)
    local ok, msg, code = docker:start(id)
    local c
    if ok then c, msg, code = docker:inspect(id) end
    local exited = ("container %s exited before it could be attached"):format(nsname)
    if c and not c.running then c, msg, code = nil, exited, core.errno.ESRCH end
    local ns
    if c then
      ns, msg, code = self.sys.attach(nsname, c.pid)
      if code == core.errno.ESRCH then msg = exited end
    end
    if not ns then
      docker:remove(id)
      self.journal:undo(record)
      return nil, msg, code
    end
    ns:whole(true)
    pid = c.pid
    return ns
  end)
  node.role, node.owned, node.known, node.pid = opts.role or "host", false, {}, pid
  node.container = { id = id, name = node.nsname, where = util.where() }
  node:forwarding(node.role == "router")
  return node
end

-- lab:containers_running() -> true, or nil and an nsrun.error: the first
-- container node whose process has ended since it was attached.  Its
-- namespace lives on (nsrun's mount holds it) but the container does not:
-- nothing runs there and `docker exec` fails.  nsrun asks when a script
-- ends, before it calls the lab up.
function Lab:containers_running()
  if self.dry or self.destroyed then return true end
  for _, node in ipairs(self.order) do
    local c = node.container
    if c and node.ns:running() == false then
      return nil, setmetatable({ message = ("%scontainer %s exited while lab %s was built (a "
        .. "container node's command must keep running)"):format(c.where or "", c.name, self.name),
        object = node.name }, util.Error)
    end
  end
  return true
end

return {}
