-- nsrun.fault: failures a lab injects into itself, as a test breaks a
-- network, and their undoing.
--   link:down([node]) / link:up([node])   both ends, or that node's end
--   link:gray([node] [, { loss = "100%" }]) carrier up, packets dropped
--   link:flap{ period = 1, count = n }    down and up, in a process of its own
--   link:restore()                        every fault of the link undone
--   node:isolate() / node:freeze() / node:thaw() / node:restore()
--   node:kill_daemons([signal]) / node:start_daemons()
--   lab:restore()                         every fault of the lab undone
-- A fault lives in the lab's namespaces (nftables tables there, link
-- states) or in processes its journal records: teardown takes it away with
-- them.  The same steps serve `nsrun fail` (cmd/fail.lua) through "ends":
-- { ns = handle, ifname =, owned = bool, label = "leaf1:eth1" }.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local impair = require "nsrun.impair"

local fail, arg = util.fail, util.arg
local Lab, Node, Link = class.Lab, class.Node, class.Link

local M = {}

---------------------------------------------------------------- steps on ends

-- The nftables chain (netdev family, table nsrun) that drops what an
-- interface sends (hook egress) or receives (hook ingress).
local function chain(hook, ifname) return (hook == "egress" and "out_" or "in_") .. ifname end

-- gray(from, to, loss): drop loss percent (default all) of what end `from`
-- sends to end `to`, carrier up: an nftables rule in from's namespace
-- (egress), or in to's (ingress) when the lab does not own from's.
function M.gray(from, to, loss)
  local e, hook = from, "egress"
  if not from.owned then e, hook = to, "ingress" end
  if not e.owned then
    fail(("gray failure %s -> %s: neither end is in a namespace the lab made (its nftables rules "
      .. "would be the host's)"):format(from.label, to.label))
  end
  local c = chain(hook, e.ifname)
  local match = ""
  if loss and loss < 100 then
    match = ("numgen random mod 1000000 < %d "):format(math.floor(loss * 10000 + 0.5))
  end
  util.check(e.ns:nft(table.concat({
    "add table netdev nsrun",
    ("add chain netdev nsrun %s { type filter hook %s device \"%s\" priority -500 ; }"):format(c, hook, e.ifname),
    ("flush chain netdev nsrun %s"):format(c),
    ("add rule netdev nsrun %s %scounter drop comment \"nsrun: gray failure\""):format(c, match),
  }, "\n")))
end

-- ungray(end_): remove the drops on an end's interface (either hook);
-- nothing when there are none
function M.ungray(e)
  if not e.owned then return end
  for _, hook in ipairs { "egress", "ingress" } do
    e.ns:nft(("delete chain netdev nsrun %s"):format(chain(hook, e.ifname)))   -- may not exist
  end
  local left = e.ns:nft("list table netdev nsrun")
  if left and not left:find("chain", 1, true) then e.ns:nft("delete table netdev nsrun") end
end

function M.set_up(e, up)
  local ok, msg, code = e.ns:set(e.ifname, { up = up })
  if not ok then fail(msg, code) end
end

-- down(end_) -> what the kernel forgets when an interface goes down: the
-- static routes through it (IPv4 deletes a route whose next hops are all
-- down) and its IPv6 addresses (keep_addr_on_down is 0).  up(end_, kept)
-- puts them back, as a router's configuration re-installs its static
-- routes when a link returns.  Routes of daemons are theirs to restore.
function M.down(e)
  local kept = { routes = {}, addrs = {} }
  for _, r in ipairs(util.check(e.ns:routes())) do
    if r.proto == "static" or r.proto == "boot" then
      for _, nh in ipairs(r.nexthops) do
        if nh.dev == e.ifname then kept.routes[#kept.routes + 1] = r; break end
      end
    end
  end
  for _, a in ipairs(util.check(e.ns:addrs())) do
    if a.ifname == e.ifname and a.family == 6 and not a.link_local then
      kept.addrs[#kept.addrs + 1] = a.cidr
    end
  end
  M.set_up(e, false)
  return kept
end

function M.up(e, kept)
  M.set_up(e, true)
  for _, cidr in ipairs(kept and kept.addrs or {}) do e.ns:addr(e.ifname, cidr) end   -- EEXIST: kept
  for _, r in ipairs(kept and kept.routes or {}) do
    local nh = {}
    for i, h in ipairs(r.nexthops) do nh[i] = { via = h.via, dev = h.dev, weight = h.weight } end
    local metric = r.metric ~= 0 and r.metric or nil
    if not e.ns:route(r.dst, nh, { metric = metric, replace = true }) and #nh > 1 then
      -- another next hop's link is still down: the route with those that
      -- are up (that link's own up puts the whole route back)
      local up = {}
      for _, h in ipairs(nh) do
        local st = h.dev and e.ns:link_state(h.dev)
        if st and st.up then up[#up + 1] = h end
      end
      if #up > 0 then e.ns:route(r.dst, up, { metric = metric, replace = true }) end
    end
  end
end

-- flap(a, b, period_s, count, journal) -> pid, start: a child process takes
-- both ends down and up every period (count times, 0: until stopped)
function M.flap(a, b, period, count, journal)
  local pid, start, code = a.ns:flap(a.ifname, b and b.ns, b and b.ifname,
    math.floor(period * 1000 + 0.5), count or 0, journal)
  if not pid then fail(start, code) end
  return pid, start
end

-- A period (a number of seconds, "500ms", "2s": nsrun.impair's times) and
-- a loss ("30%", 30), as scripts and the command line write them.
function M.seconds(v, what)
  local us = type(v) == "number" and v * 1e6
    or type(v) == "string" and not v:match("^%s*[%d%.]+%s*$") and impair.time_us(what, v)
    or type(v) == "string" and tonumber(v) and tonumber(v) * 1e6
  if not us or us <= 0 then
    fail(("%s %s: a time in seconds (0.5, \"500ms\") above zero"):format(what, tostring(v)))
  end
  return us / 1e6
end

function M.percent(v, what)
  local n = impair.percent(what, v)
  if not n or n <= 0 then
    fail(("%s %s: a percentage above 0 and at most 100 (\"30%%\", 30)"):format(what, tostring(v)))
  end
  return n
end

---------------------------------------------------------------- links

local function end_of(side)
  local n = side.node
  return { ns = n.ns, ifname = side.name, owned = n.owned, label = n.name .. ":" .. side.name }
end

local function faults(lab)
  lab.faults = lab.faults or {}
  return lab.faults
end

-- The link's side in node, or an error naming both
local function side_of(link, node, fname)
  local side = link:side(node)
  if not side then fail(("%s: %s is not an end of %s"):format(fname, node.name, tostring(link))) end
  return side
end

local function link_arg(self, fname)
  arg(class.is_link(self), 1, fname, "link expected (use link:" .. fname .. ")")
  class.alive(self.lab)
end

-- An end down (what the kernel forgot kept on the end), or up again.
local function set_end(side, up)
  if side.node.lab.dry or side.node.lab.plan then return end
  if up then   -- up in any case (a node:down() or link:set{} before), kept routes back
    M.up(end_of(side), side.kept)
    side.down, side.kept = nil, nil
  elseif not side.down then
    side.kept, side.down = M.down(end_of(side)), true
  end
end

local function set_ends(link, node, up, fname)
  if node ~= nil then
    arg(class.is_node(node), 1, fname, "node expected")
    set_end(side_of(link, node, fname), up)
  else
    set_end(link.a, up)
    set_end(link.b, up)
  end
  if not up then faults(link.lab)[link] = true end   -- lab:restore() undoes it
  return link
end

-- link:down([node]): both ends down, as a pulled cable (each loses
-- carrier); with a node, only its end: that node sees its interface down,
-- the other end loses carrier (a veth's peer does) but stays up.
function Link:down(node)
  link_arg(self, "down")
  return set_ends(self, node, false, "down")
end

function Link:up(node)
  link_arg(self, "up")
  return set_ends(self, node, true, "up")
end

-- link:gray([node] [, { loss = "100%" }]): packets dropped with the
-- carrier up (a bad optic, a broken line card): both directions, or only
-- what node sends.  Link state does not show it; probes do.
function Link:gray(node, opts)
  link_arg(self, "gray")
  if node ~= nil and not class.is_node(node) then node, opts = nil, node end
  arg(opts == nil or type(opts) == "table", node and 2 or 1, "gray", "table expected")
  opts = opts or {}
  for k in pairs(opts) do arg(k == "loss", node and 2 or 1, "gray", ("unknown option %q"):format(tostring(k))) end
  local loss = opts.loss ~= nil and M.percent(opts.loss, "gray: loss") or nil
  if self.lab.dry or self.lab.plan then return self end
  local a, b = end_of(self.a), end_of(self.b)
  if node then
    local side = side_of(self, node, "gray")
    if side == self.a then M.gray(a, b, loss) else M.gray(b, a, loss) end
  else
    M.gray(a, b, loss)
    M.gray(b, a, loss)
  end
  faults(self.lab)[self] = true
  return self
end

-- link:flap{ period = seconds, count = n }: down for half a period, up for
-- the other half, count times (default: until link:restore() or teardown),
-- in a process of its own, so that probes run meanwhile.
function Link:flap(opts)
  link_arg(self, "flap")
  arg(type(opts) == "table", 1, "flap", "table expected ({ period = seconds })")
  for k in pairs(opts) do
    arg(k == "period" or k == "count", 1, "flap", ("unknown option %q"):format(tostring(k)))
  end
  local period = M.seconds(opts.period, "flap: period")
  if period < 0.002 then fail(("flap: period %s: at least 2 ms"):format(tostring(opts.period))) end
  local count = opts.count or 0
  arg(math.type(count) == "integer" and count >= 0, 1, "flap", "count: an integer >= 0")
  if self.lab.dry or self.lab.plan then return self end
  self:restore()
  local pid, start = M.flap(end_of(self.a), end_of(self.b), period, count, self.lab.journal)
  self.flapper = { pid = pid, start = start }
  faults(self.lab)[self] = true
  return self
end

-- link:restore(): no flapping, no drops, both ends up
function Link:restore()
  link_arg(self, "restore")
  if self.lab.dry or self.lab.plan then return self end
  if self.flapper then
    core.proc_end(self.flapper.pid, self.flapper.start, 1000)
    self.flapper = nil
  end
  M.ungray(end_of(self.a))
  M.ungray(end_of(self.b))
  set_ends(self, nil, true, "restore")
  faults(self.lab)[self] = nil
  return self
end

---------------------------------------------------------------- nodes

-- The processes nsrun started in a node: its daemons and node:spawn's.
local function procs(node)
  local out = {}
  for _, p in ipairs(node.lab.procs) do
    if p.node == node and core.proc_alive(p.pid, p.start) then out[#out + 1] = p end
  end
  return out
end

-- settle_procs(list, stopped): wait (1 s at most) until each process is stopped
-- (state T), or runs again: a signal acts when the process is next
-- scheduled, and freeze() returns once the control plane has stopped
function M.settle_procs(list, stopped)
  local deadline = core.now() + 1
  for _, p in ipairs(list) do
    repeat
      local stat = util.slurp(("/proc/%d/stat"):format(p.pid))
      local state = stat and stat:match("%) (%a)")
      if not state or (state == "T") == stopped then break end
      core.sleep(0.002)
    until core.now() > deadline
  end
end

-- node:isolate(): every link end of the node down (its neighbours lose
-- carrier), as a node that loses power but whose namespace stays
function Node:isolate()
  class.node_arg(self, "isolate")
  if self.lab.dry or self.lab.plan then return self end
  self.isolated = self.isolated or {}
  for ifname, link in pairs(self.ifaces) do
    local side = class.is_link(link) and link:side(self)
    if side and side.name == ifname and not side.down then
      set_end(side, false)
      self.isolated[#self.isolated + 1] = side
    end
  end
  faults(self.lab)[self] = true
  return self
end

-- node:freeze(): SIGSTOP to the processes nsrun started in the node (its
-- daemons): a control plane that hangs while the kernel still forwards
-- with the routes it has.  node:thaw(): SIGCONT.
function Node:freeze()
  class.node_arg(self, "freeze")
  if self.lab.dry or self.lab.plan then return self end
  local list = procs(self)
  if #list == 0 then fail(("freeze: %s runs no process nsrun started"):format(self.name), nil, self.name) end
  for _, p in ipairs(list) do util.check(core.proc_signal(p.pid, p.start, "STOP")) end
  M.settle_procs(list, true)
  self.frozen = true
  faults(self.lab)[self] = true
  return self
end

function Node:thaw()
  class.node_arg(self, "thaw")
  if self.lab.dry or self.lab.plan then return self end
  local list = procs(self)
  for _, p in ipairs(list) do core.proc_signal(p.pid, p.start, "CONT") end
  M.settle_procs(list, false)
  self.frozen = nil
  return self
end

-- node:restore(): thawed, and the links isolate took down up again
function Node:restore()
  class.node_arg(self, "restore")
  if self.lab.dry or self.lab.plan then return self end
  if self.frozen then self:thaw() end
  for _, side in ipairs(self.isolated or {}) do set_end(side, true) end
  self.isolated = nil
  faults(self.lab)[self] = nil
  return self
end

-- node:kill_daemons([signal]): end the node's routing daemons with signal
-- ("KILL", a crash, by default; "TERM": a clean stop).  The kernel keeps
-- the routes they installed until something removes them.  Not a fault
-- lab:restore() undoes: node:start_daemons() does.
function Node:kill_daemons(signal)
  class.node_arg(self, "kill_daemons")
  signal = signal or "KILL"
  arg(signal == "KILL" or signal == "TERM", 1, "kill_daemons", "\"KILL\" or \"TERM\" expected")
  local dm = self.daemon
  if not dm then fail(("kill_daemons: %s runs no daemon"):format(self.name), nil, self.name) end
  if self.lab.dry or self.lab.plan then return self end
  local gone = {}
  for _, p in ipairs(dm.procs or {}) do
    if core.proc_alive(p.pid, p.start) then
      if signal == "KILL" then core.proc_signal(p.pid, p.start, "KILL")
      else core.proc_end(p.pid, p.start, 3000) end
    end
    gone[p] = true
  end
  for i = #self.lab.procs, 1, -1 do
    if gone[self.lab.procs[i]] then table.remove(self.lab.procs, i) end
  end
  dm.procs, dm.started = {}, false
  return self
end

-- node:start_daemons(): start them again (as lab:start() did), with the
-- same configuration; the node's routes come back as they converge.
function Node:start_daemons()
  class.node_arg(self, "start_daemons")
  if not self.daemon then fail(("start_daemons: %s runs no daemon"):format(self.name), nil, self.name) end
  if self.daemon.started then return self end
  self.lab:start()
  return self
end

-- lab:restore(): every fault of the lab undone
function Lab:restore()
  class.alive(self)
  for x in pairs(faults(self)) do x:restore() end
  return self
end

return M
