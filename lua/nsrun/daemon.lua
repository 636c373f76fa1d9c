-- nsrun.daemon: routing daemons in nodes -- FRR (Debian's frr) and BIRD
-- (bird2) -- with their own config, control sockets, pid files and logs.
--   lab:router(name, { frr = { daemons = { "bgpd" }, conf = "r1.conf" } })
--   lab:router(name, { bird = { conf = [[ ... ]] } })
--   node:frr{...}, node:bird{...}, lab:start()
--
-- Where a node's daemons keep their state: under the lab's state directory,
-- /run/nsrun/LAB/NODE/{etc,run,log}, which the daemons -- and every command
-- run in the node, `nsrun exec LAB r1 -- vtysh` included -- see at the
-- paths they expect (/etc/frr, /var/run/frr, /var/log/frr; /etc/bird,
-- /run/bird), bind-mounted in their own mount namespace (core: ns:bind), as
-- FRR's topotests do.  Not FRR's -N pathspace: it keeps files under the
-- host's /etc/frr/NAME, and only `vtysh -N NAME` finds them; with a mount
-- namespace per node the host's /etc is untouched, plain `vtysh` and
-- `birdc` reach this node's daemons and no other, and the directories the
-- daemons write are owned by the users they drop to (frr, bird).
--
-- Daemons are processes of the lab: each recorded in its journal before it
-- runs (node:spawn), ended at teardown and by `nsrun destroy`.  They start
-- when the lab is first checked (lab:expect, lab:ping, lab:pingall), at
-- lab:start(), or when the script ends: FRR's zebra first, then the other
-- daemons, then the config (vtysh -b); a node is ready when its daemons
-- answer on their control sockets.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"

local fail, arg, slurp = util.fail, util.arg, util.slurp
local Lab, Node = class.Lab, class.Node

local M = {}

local FRR = "/usr/lib/frr"
local FRR_DAEMONS = { staticd = true, bgpd = true, ospfd = true, ospf6d = true, bfdd = true,
  isisd = true, ripd = true, ripngd = true, pimd = true, ldpd = true, pbrd = true, vrrpd = true,
  eigrpd = true, babeld = true, fabricd = true, nhrpd = true, pathd = true }
local READY_S = 30   -- seconds a daemon has to answer on its control socket

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

-- Whether the daemon's programs are here, looked for once.
local installed = {}
local function present(kind, ...)
  if installed[kind] == nil then
    installed[kind] = true
    for _, path in ipairs { ... } do installed[kind] = installed[kind] and exists(path) end
  end
  return installed[kind]
end

-- The last lines of a log, for a message.
function M.tail(path, n)
  local text = slurp(path) or ""
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  return table.concat(lines, "\n", math.max(1, #lines - (n or 5) + 1))
end

-- The text of a conf option: a string that holds a newline is the config
-- itself; another is a file's path (read now, named in errors); none, an
-- empty config (to be given through vtysh or birdc).
local function conf_text(node, conf, what)
  if conf == nil then return "", nil end
  arg(type(conf) == "string", 1, what, "conf must be a config's text or a file's path")
  if conf:find("\n", 1, true) then return conf, nil end
  local text = slurp(conf)
  if not text then fail(("%s of %s: cannot read %s"):format(what, node.name, conf), nil, node.name) end
  return text, conf
end

local function write(path, text, user, group, mode)
  local f = util.check(io.open(path, "w"))
  f:write(text)
  f:close()
  util.check(core.chown(path, user, group, mode))
end

-- The node's state directory, made with the daemon's owner.
local SUN_PATH = 108   -- a Unix socket's path, its NUL included
local SOCKET = "/fabricd.vty"   -- the longest name of a daemon's socket

local function dirs(node, user, group)
  local base = node.lab.journal:dir() .. "/" .. node.nsname
  local d = { base = base, etc = base .. "/etc", run = base .. "/run", log = base .. "/log" }
  -- nsrun knows a daemon is up by connecting to its socket there
  if #d.run + #SOCKET >= SUN_PATH then
    fail(("%s in %s: %s is too long a path for the daemons' sockets (%d bytes at most): "
      .. "a shorter lab name or prefix"):format(node.daemon.kind, node.name, d.run .. SOCKET,
      SUN_PATH - 1), nil, node.name)
  end
  util.check(core.mkdir(base, 493))                     -- 0755
  for _, k in ipairs { "etc", "run", "log" } do
    util.check(core.mkdir(d[k], 488))                   -- 0750
    util.check(core.chown(d[k], user, group))
  end
  return d
end

-- A directory the daemons expect that the host lacks (/run/bird when the
-- host runs no BIRD): made as their package's own unit would make it, an
-- empty directory in /run, where a node's mount namespace binds its own.
local function mountpoint(path)
  if not exists(path) then util.check(core.mkdir(path, 493)) end
end

-- bind(node, d, map): the node's commands see d's directories at the paths
-- of map ({ etc = "/etc/frr", ... }), and its model says so (nsrun exec)
local function bind(node, d, map)
  -- and its own host name: daemons name themselves (and their peers) by it
  util.check_for(node, node.ns:hostname(node.name))
  node.hostname = node.name
  node.binds = node.binds or {}
  for _, k in ipairs { "etc", "run", "log" } do
    if map[k] then
      mountpoint(map[k])
      util.check_for(node, node.ns:bind(d[k], map[k]))
      node.binds[#node.binds + 1] = { d[k], map[k] }
    end
  end
end

local function attach(node, what)
  class.node_arg(node, what)
  if node.daemon then
    fail(("%s in %s: the node runs %s already"):format(what, node.name, node.daemon.kind), nil, node.name)
  end
  if not node.owned then
    fail(("%s in %s: daemons run in the lab's own nodes"):format(what, node.name), nil, node.name)
  end
end

-- node:frr{ daemons = { "bgpd", ... }, conf = text | path } -> node: FRR in
-- the node: zebra and staticd, and the daemons named, with the integrated
-- config frr.conf (`frr defaults datacenter` in it picks that profile).
-- The config is checked at once (vtysh --dryrun --inputfile; not with
-- check = false): an error names the node, the file and FRR's message.
function Node:frr(opts)
  attach(self, "frr")
  arg(type(opts) == "table", 1, "frr", "{ daemons = {...}, conf = ... } expected")
  local daemons = opts.daemons or {}
  arg(type(daemons) == "table", 1, "frr", "daemons must be a list of FRR's daemons")
  for _, dn in ipairs(daemons) do
    if dn ~= "zebra" and not FRR_DAEMONS[dn] then
      fail(("frr in %s: %q is not one of FRR's daemons"):format(self.name, tostring(dn)), nil, self.name)
    end
  end
  if class.here(self) and not present("frr", FRR .. "/zebra", "/usr/bin/vtysh") then
    fail(("frr in %s: FRR is not installed here (Debian: apt-get install frr)"):format(self.name), nil, self.name)
  end
  local text, file = conf_text(self, opts.conf, "frr")
  local list = { "zebra", "staticd" }
  for _, dn in ipairs(daemons) do
    if dn ~= "zebra" and dn ~= "staticd" then list[#list + 1] = dn end
  end
  self.daemon = { kind = "frr", daemons = list, file = file or "frr.conf",
    profile = text:match("\nfrr defaults (%a+)") or text:match("^frr defaults (%a+)") or "traditional" }
  if self.lab.dry or not class.here(self) then return self end
  local d = dirs(self, "frr", "frr")
  self.daemon.dirs = d
  write(d.etc .. "/frr.conf", text, "frr", "frr", 416)              -- 0640
  write(d.etc .. "/vtysh.conf", "service integrated-vtysh-config\n", "frr", "frr", 416)
  local status, out, err = 0, nil, nil
  if opts.check ~= false then
    status, out, err = core.run { "vtysh", "--dryrun", "--inputfile", d.etc .. "/frr.conf" }
  end
  if status ~= 0 then
    fail(("frr in %s: FRR rejects %s: %s"):format(self.name, self.daemon.file,
      ((out or "") .. (err or "")):gsub("%s+$", "")), nil, self.name)
  end
  bind(self, d, { etc = "/etc/frr", run = "/var/run/frr", log = "/var/log/frr" })
  return self
end

-- node:bird{ conf = text | path } -> node: BIRD 2 in the node, its config
-- bird.conf, checked at once (bird -p; not with check = false).
function Node:bird(opts)
  attach(self, "bird")
  arg(type(opts) == "table", 1, "bird", "{ conf = ... } expected")
  if class.here(self) and not present("bird", "/usr/sbin/bird", "/usr/sbin/birdc") then
    fail(("bird in %s: BIRD is not installed here (Debian: apt-get install bird2)"):format(self.name), nil, self.name)
  end
  local text, file = conf_text(self, opts.conf, "bird")
  self.daemon = { kind = "bird", daemons = { "bird" }, file = file or "bird.conf" }
  if self.lab.dry or not class.here(self) then return self end
  local d = dirs(self, "bird", "bird")
  self.daemon.dirs = d
  write(d.etc .. "/bird.conf", text, "root", "bird", 416)
  local status, out, err = 0, nil, nil
  if opts.check ~= false then status, out, err = core.run { "bird", "-p", "-c", d.etc .. "/bird.conf" } end
  if status ~= 0 then
    local msg = ((out or "") .. (err or "")):gsub("%s+$", ""):gsub("^bird: ", "")
      :gsub(d.etc:gsub("%p", "%%%0") .. "/bird.conf", self.daemon.file)
    fail(("bird in %s: BIRD rejects %s: %s"):format(self.name, self.daemon.file, msg), nil, self.name)
  end
  bind(self, d, { etc = "/etc/bird", run = "/run/bird" })
  return self
end

-- The command line of one daemon.
local function argv(node, dn)
  local dm = node.daemon
  if dm.kind == "bird" then
    return { "bird", "-f", "-u", "bird", "-g", "bird", "-c", "/etc/bird/bird.conf",
      "-s", "/run/bird/bird.ctl", "-P", "/run/bird/bird.pid" }
  end
  local t = { FRR .. "/" .. dn, "-P", "0", "-u", "frr", "-g", "frr", "-F", dm.profile }
  if dn == "zebra" then t[#t + 1] = "-s"; t[#t + 1] = "90000000" end
  return t
end

-- The control socket a daemon answers on, as nsrun sees it.
local function socket(node, dn)
  local d = node.daemon.dirs
  return node.daemon.kind == "bird" and d.run .. "/bird.ctl" or d.run .. "/" .. dn .. ".vty"
end

local function spawn(node, dn)
  local log = node.daemon.dirs.log .. "/" .. dn .. ".out"
  local _, p = node:spawn_here(argv(node, dn), log)
  p.daemon = dn
  node.daemon.procs[#node.daemon.procs + 1] = p
  return p
end

-- Wait until each of the (node, daemon) pairs answers, READY_S at most.
local function ready(pending)
  local deadline = core.now() + READY_S
  while #pending > 0 do
    local left = {}
    for _, x in ipairs(pending) do
      if not core.sock_ready(socket(x.node, x.dn)) then
        if not core.proc_alive(x.p.pid, x.p.start) then
          fail(("%s in %s ended as it started; its output ends:\n%s"):format(x.dn, x.node.name,
            M.tail(x.p.log)), nil, x.node.name)
        end
        left[#left + 1] = x
      end
    end
    pending = left
    if #pending == 0 then break end
    if core.now() > deadline then
      local x = pending[1]
      fail(("%s in %s did not answer on its control socket within %d s; its output ends:\n%s")
        :format(x.dn, x.node.name, READY_S, M.tail(x.p.log)), nil, x.node.name)
    end
    core.sleep(0.02)
  end
end

-- start(nodes): start the daemons of nodes, each with .daemon (kind,
-- daemons, profile, dirs; procs gets them), :spawn_here(argv, log) -> pid, p
-- and :exec_here(argv) -> { ok, stdout, stderr }: a lab's nodes, or the command
-- line's stand-ins for a lab that runs (nsrun fail LAB NODE restart).
-- zebra everywhere first (the others connect to it), and BIRD; then FRR's
-- other daemons; then FRR's integrated config, into the running daemons.
function M.start(nodes)
  local frr, pending = {}, {}
  for _, node in ipairs(nodes) do
    node.daemon.started, node.daemon.procs = true, {}
    local first = node.daemon.kind == "frr" and "zebra" or "bird"
    if first == "zebra" then frr[#frr + 1] = node end
    pending[#pending + 1] = { node = node, dn = first, p = spawn(node, first) }
  end
  ready(pending)
  pending = {}
  for _, node in ipairs(frr) do
    for i = 2, #node.daemon.daemons do
      local dn = node.daemon.daemons[i]
      pending[#pending + 1] = { node = node, dn = dn, p = spawn(node, dn) }
    end
  end
  ready(pending)
  for _, node in ipairs(frr) do
    local r = node:exec_here { "vtysh", "-b" }
    if not r.ok then
      fail(("frr in %s: FRR rejects %s: %s"):format(node.name, node.daemon.file,
        (r.stdout .. r.stderr):gsub("%s+$", "")), nil, node.name)
    end
  end
end

-- lab:start() -> lab: start the daemons of the nodes that have some and do
-- not run them yet (the lab's checks and the script's end do it too).
function Lab:start()
  class.alive(self)
  if self.dry or self.plan then return self end
  local list = {}
  for _, node in ipairs(self.order) do
    if node.daemon and not node.daemon.started and class.here(node) then list[#list + 1] = node end
  end
  if #list == 0 then return self end
  local t0 = core.now()
  M.start(list)
  self.times.daemons = (self.times.daemons or 0) + core.now() - t0
  -- the model now, so that `nsrun exec LAB NODE -- vtysh` reaches a node's
  -- daemons while the script still runs (waits for them to converge)
  return self:save()
end

-- dirs_of(lab, nsname): a node's daemons' directories (see dirs)
function M.dirs_of(lab, nsname)
  local base = core.state_dir .. "/" .. lab .. "/" .. nsname
  return { base = base, etc = base .. "/etc", run = base .. "/run", log = base .. "/log" }
end

-- lab:daemons_running() -> true, or nil and an nsrun.error: the first
-- daemon that ended since it started, with the end of its output.
function Lab:daemons_running()
  if self.dry or self.destroyed then return true end
  for _, node in ipairs(self.order) do
    for _, p in ipairs(node.daemon and node.daemon.procs or {}) do
      if not core.proc_alive(p.pid, p.start) then
        return nil, util.err(("%s in %s (pid %d) has ended; its output ends:\n%s")
          :format(p.daemon, node.name, p.pid, M.tail(p.log)), nil, node.name)
      end
    end
  end
  return true
end

-- The command that queries a node's daemons: vtysh -c CMD, birdc CMD.
function M.query(node, cmd)
  local dm = node.daemon
  if not dm then return nil end
  if dm.kind == "bird" then return { "birdc", "-r", table.unpack(util.split(cmd)) } end
  return { "vtysh", "-c", cmd }
end

return M
