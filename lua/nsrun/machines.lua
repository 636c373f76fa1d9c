-- nsrun.machines: one lab across several machines.
--
--   nsrun --hosts a,b,c SCRIPT   (or NSRUN_HOSTS=a,b,c)
--
-- The controlling nsrun (where the user typed the command) runs the script
-- once dry to learn the lab, splits its nodes over the machines
-- (M.partition), and starts `nsrun --part` on each machine over OpenSSH:
-- one connection per machine (a control master), the user's ssh config,
-- keys and jump hosts as they are.  Each machine runs the same script and
-- makes the nodes placed on it, the links between them as veth pairs, and
-- its end of every link cut by the placement as a VXLAN device (the
-- kernel's): one per cut link, point to point between the two machines'
-- addresses, its VNI and MACs derived from the lab and the link so that
-- parts made apart never collide.  Each machine's journal records its
-- part before each change: `nsrun destroy` there removes it alone.
--
-- The controller runs the script too, holding the whole lab's model and
-- no kernel object.  What needs the whole lab (probes, commands in a node)
-- is a sync point: each machine sends what it did for its own nodes (the
-- probes from its sources; a command's result from its node) to the
-- controller, which merges them and sends the whole back to each, so that
-- every copy of the script sees the same answers and goes the same way.
-- The stream is one JSON document per line on the ssh session's stdin and
-- stdout; nsrun's own messages go to its stderr, which ssh passes back.
local core = require "nsrun.core"
local util = require "nsrun.util"
local json = require "nsrun.json"

local eprintf, fail = util.eprintf, util.fail

local M = {}

-- The run across machines this process takes part in (nil: none): the
-- controller's or a part's.
M.ctx = nil

-- VXLAN's overhead on an IPv4 underlay: outer IP 20, UDP 8, VXLAN 8,
-- inner Ethernet 14.
M.OVERHEAD = 50
M.PORT = 4789

-- the machines' names, the placement and the derived names: nsrun.placement
local placement = require "nsrun.placement"
M.hosts, M.mac, M.partition = placement.hosts, placement.mac, placement.partition
local fnv = placement.fnv

------------------------------------------------------------------ ssh

local CONTROL_DIR = core.state_dir .. "/.ssh"   -- not a lab: a name with a dot

local function words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

-- 'it''s' for the remote shell, which ssh hands the command to
local function quote(s)
  s = tostring(s)
  if s:find("^[%w@%%+=:,./_-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local Machine = { __name = "nsrun.machine" }
Machine.__index = Machine

-- machine:argv(...) -> the ssh command line that runs `nsrun ...` there,
-- over the machine's control master (machine.control, if any; machine.tty:
-- with a terminal); machine:argv() the master itself,
-- machine:argv(false) the check that it is up
function Machine:argv(...)
  local a = words(os.getenv("NSRUN_SSH") or "ssh")
  for _, o in ipairs { "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3" } do a[#a + 1] = o end
  if self.control then a[#a + 1] = "-S"; a[#a + 1] = self.control end
  local n = select("#", ...)
  if n == 0 then
    for _, o in ipairs { "-M", "-N", "-o", "ControlPersist=no", "--", self.name } do a[#a + 1] = o end
    return a
  elseif ... == false then   -- whether the master is up
    for _, o in ipairs { "-O", "check", "--", self.name } do a[#a + 1] = o end
    return a
  end
  for _, o in ipairs { "-o", "ControlMaster=no", self.tty and "-t" or "-T", "--", self.name } do a[#a + 1] = o end
  local cmd = {}
  for _, w in ipairs(words(os.getenv("NSRUN_REMOTE") or "nsrun")) do cmd[#cmd + 1] = quote(w) end
  for i = 1, n do cmd[#cmd + 1] = quote((select(i, ...))) end
  a[#a + 1] = table.concat(cmd, " ")
  return a
end

-- machine:run(...) -> status, stdout, stderr of `nsrun ...` there
function Machine:run(...)
  return core.run(self:argv(...))
end

local function mypid()
  local f = io.open("/proc/self/stat")
  local pid = f and f:read("n")
  if f then f:close() end
  return pid or 0
end

-- connect(names) -> machines, each with its control master up and the same
-- nsrun version as this one; or raises, every master closed, naming the
-- machine that failed and why
function M.connect(names)
  core.mkdir(core.state_dir, 448)   -- 0700, as a lab makes it
  local made, msg, code = core.mkdir(CONTROL_DIR, 448)
  if not made and code ~= core.errno.EEXIST then fail(msg, code) end
  local ms, pid = {}, mypid()
  local function close_all()
    for _, m in ipairs(ms) do M.close(m) end
    os.remove(CONTROL_DIR)
  end
  for i, name in ipairs(names) do
    local m = setmetatable({ name = name, index = i, control = ("%s/%d-%d"):format(CONTROL_DIR, pid, i) }, Machine)
    os.remove(m.control)
    local p, w, r = core.popen2(m:argv())
    if not p then close_all(); fail(("machine %s: ssh: %s"):format(name, w)) end
    m.master, m.mw, m.mr = p, w, r
    ms[i] = m
  end
  -- each master is up when its socket answers, or it exited (ssh said why)
  local deadline = core.now() + 60
  for _, m in ipairs(ms) do
    while true do
      local st = core.waitpid(m.master, true)
      if st then
        m.master = nil
        close_all()
        fail(("machine %s: cannot connect (ssh exited with status %d; its message is above)"):format(m.name, st))
      end
      if core.run(m:argv(false)) == 0 then break end
      if core.now() > deadline then
        close_all()
        fail(("machine %s: cannot connect (no answer in 60 s)"):format(m.name))
      end
      core.sleep(0.1)
    end
  end
  -- the same nsrun everywhere: the scripts and the stream between them
  local mine = "nsrun " .. require("nsrun").version
  for _, m in ipairs(ms) do
    local st, out, err = m:run("--version")
    out = (out or ""):match("^%s*(.-)%s*$")
    if st ~= 0 or out ~= mine then
      close_all()
      if st == 127 then
        fail(("machine %s has no %s (NSRUN_REMOTE names the command to run there): %s")
          :format(m.name, os.getenv("NSRUN_REMOTE") or "nsrun", (err or ""):match("^%s*(.-)%s*$")))
      end
      fail(("machine %s runs %s, this is %s: every machine of a lab runs the same nsrun version")
        :format(m.name, st == 0 and (out ~= "" and out or "no version") or ("something that fails `nsrun --version` (status "
          .. tostring(st) .. ")"), mine))
    end
  end
  return ms
end

-- close(machine): its session's stdin closed (it ends), then its master
function M.close(m)
  if m.pw then pcall(m.pw.close, m.pw); m.pw = nil end
  if m.session then m.status = core.waitpid(m.session); m.session = nil end
  if m.pr then pcall(m.pr.close, m.pr); m.pr = nil end
  if m.master then
    core.kill(m.master, "TERM")
    core.waitpid(m.master)
    m.master = nil
  end
  if m.mw then pcall(m.mw.close, m.mw); pcall(m.mr.close, m.mr); m.mw, m.mr = nil, nil end
  os.remove(m.control)
end

------------------------------------------------------------------ the stream

local function send(f, t)
  f:write(json.encode(t), "\n")
  f:flush()
end

local function recv(f)
  local line = f:read("l")
  if not line then return nil end
  local ok, v = pcall(json.decode, line)
  if not ok or type(v) ~= "table" then return { bad = line } end
  return v
end

------------------------------------------------------------------ a lab's part

local Part = { __name = "nsrun.part" }
Part.__index = Part
M.Part = Part

-- The placement of lab name in this run (nil: the lab is not across
-- machines, as a lab the rehearsal never saw).
function M.part(name)
  local ctx = M.ctx
  local where = ctx and ctx.placement[name]
  if not where then return nil end
  return setmetatable({ ctx = ctx, where = where, vnis = {}, cut = 0, clamped = {} }, Part)
end

-- part:here(node) -> whether node's namespace is on this machine
function Part:here(node) return self.where[node.nsname] == self.ctx.me end

-- The backend the lab makes its objects with: the kernel for the nodes
-- placed here, the dry backend (the model only) for the others.
function Part:sys()
  local dry = require "nsrun.dry"
  local ctx, where = self.ctx, self.where
  local controller = ctx.me == nil
  local real = controller and dry or core
  local sys = setmetatable({}, { __index = real })
  function sys.create(nsname)
    local m = where[nsname]
    if not m then
      return nil, ("node %s was not made when the script was rehearsed: across machines a script must "
        .. "make the same nodes each time it runs"):format(nsname), core.errno.EINVAL
    end
    if m == ctx.me then return core.create(nsname) end
    local ns = dry.create(nsname)
    ns.machine = m
    -- what the kernel has there is not read from here: nothing
    local function none() return {} end
    local function away() return nil, ("%s is on machine %s"):format(nsname, m), core.errno.EOPNOTSUPP end
    ns.links, ns.addrs, ns.routes, ns.neighs = none, none, none, none
    ns.route_get, ns.link_state, ns.impairment = away, away, away
    return ns
  end
  function sys.exists(nsname) return where[nsname] == ctx.me and core.exists(nsname) or false end
  function sys.attach()
    return nil, "a lab across machines takes no container or process (attach)", core.errno.EOPNOTSUPP
  end
  return sys
end

-- The VNI of the cut link between ends (a, ifa) and (b, ifb): derived from
-- the lab and the ends, 1..2^24-1, the next free one when two links of the
-- lab would share one (the same links in the same order on every machine).
function Part:vni(lab, a, ifa, b, ifb)
  local v = fnv(lab.name .. "\0" .. a.nsname .. "\0" .. ifa .. "\0" .. b.nsname .. "\0" .. ifb) & 0xffffff
  while v == 0 or self.vnis[v] do v = (v + 1) & 0xffffff end
  self.vnis[v] = true
  return v
end

-- part:veth(lab, a, ifa, b, ifb, sa, sb, journaled): the link between a
-- and b as this machine has it: a veth pair when both are here, its own end
-- as a VXLAN device toward the other's machine when one is, nothing when
-- neither.
function Part:veth(lab, a, ifa, b, ifb, sa, sb, journaled)
  local ha, hb = self:here(a), self:here(b)
  if a == lab.root or b == lab.root then
    fail("a lab across machines has no link to the host's namespace (which machine's would it be?)")
  end
  if ha and hb then
    return journaled(lab, nil, a.ns.veth, a.ns, ifa, b.ns, ifb, sa, sb)
  end
  if self.where[a.nsname] == self.where[b.nsname] then return end
  self.cut = self.cut + 1
  local vni = self:vni(lab, a, ifa, b, ifb)
  if ha then self:vxlan(lab, a, ifa, b, vni, sa)
  elseif hb then self:vxlan(lab, b, ifb, a, vni, sb) end
end

-- part:vxlan(lab, node, ifname, peer, vni, settings): node's end of its
-- link to peer (on another machine), in node's namespace, which the lab
-- owns (removed with it: no journal record)
function Part:vxlan(lab, node, ifname, peer, vni, settings)
  local ctx = self.ctx
  local remote = ctx.addr[self.where[peer.nsname]]
  local o = { type = "vxlan", id = vni, remote = remote, ["local"] = ctx.addr[ctx.me],
    dstport = M.PORT, learning = false, via = lab.root.ns, mtu = ctx.mtu or 1500 }   -- a veth's
  local ok, msg, code = node.ns:dev(ifname, o)
  if not ok then
    if code == core.errno.EEXIST then
      msg = ("%s: VNI %d (port %d) is taken on this machine, by another lab's link between these machines: "
        .. "give one of the labs another name or prefix"):format(msg, vni, M.PORT)
    end
    fail(msg, code)
  end
  local s = { mac = M.mac(lab.name, node.nsname, ifname) }
  if settings and settings.ignore_linkdown then s.ignore_linkdown = true end
  util.check_for(node, node.ns:set(ifname, s))
end

-- The MTU a link gets across machines: at most the underlay's minus VXLAN's
-- overhead (ctx.mtu).  Clamped with a message, or refused (--mtu-policy refuse).
function Part:mtu(want, what)
  local limit = self.ctx.mtu
  if not limit or want <= limit then return want end
  if self.ctx.policy == "refuse" then
    fail(("%s: MTU %d, but the machines' underlay carries %d at most (its MTU %d minus %d for VXLAN): "
      .. "--mtu-policy clamp lowers it"):format(what, want, limit, limit + M.OVERHEAD, M.OVERHEAD))
  end
  return limit
end

------------------------------------------------------------------ sync points

-- sync(kind, mine) -> what every machine sent, merged by merge(list of
-- what each sent) on the controller; each machine's copy of the script
-- gets the same answer.  A part sends mine and waits; the controller
-- gathers, merges and answers each.
function M.sync(kind, mine, merge)
  local ctx = M.ctx
  ctx.seq = ctx.seq + 1
  if ctx.me then
    send(ctx.out, { sync = ctx.seq, kind = kind, data = mine })
    local reply = recv(ctx["in"])
    if not reply or reply.abort then
      error(util.err("the controlling nsrun is gone (its ssh session closed)"), 0)
    end
    return reply.data
  end
  local parts = {}
  for _, m in ipairs(ctx.machines) do
    local msg = M.expect(m, "sync")
    if msg.sync ~= ctx.seq or msg.kind ~= kind then
      error(util.err(("machine %s is at another point of the script (%s %s, here %s %d): a script "
        .. "across machines must take the same way on each"):format(m.name, tostring(msg.kind),
        tostring(msg.sync), kind, ctx.seq)), 0)
    end
    parts[#parts + 1] = msg.data
  end
  local all = merge(parts)
  for _, m in ipairs(ctx.machines) do send(m.pw, { sync = ctx.seq, data = all }) end
  return all
end

-- expect(machine, what) -> its next message, which must be what ("sync",
-- "done", "finished"); a machine that failed or went away raises, named
function M.expect(m, what)
  local msg = recv(m.pr)
  if not msg then
    m.lost = true
    error(util.err(("machine %s: its nsrun ended or the connection was lost"):format(m.name)), 0)
  end
  if msg.bad then error(util.err(("machine %s: unreadable: %s"):format(m.name, msg.bad)), 0) end
  if msg.done == false or msg.finished == false then
    m.failed = msg.error or "failed"
    error(util.err(("machine %s: %s"):format(m.name, m.failed)), 0)
  end
  if not msg[what] then
    error(util.err(("machine %s sent %s where %s was due: a script across machines must take the same "
      .. "way on each"):format(m.name, msg.done and "the script's end" or "a check", what)), 0)
  end
  return msg
end

-- ready(kind): wait until every machine has come this far, so that what the
-- script did before (a link taken down on one machine) is done on all of
-- them before a check or a command runs on any
function M.ready(kind)
  M.sync(kind .. " ready", {}, function() return {} end)
end

-- probe(sources, targets, pairs, opts): core.probe over the machines: each
-- probes the pairs whose source is its own, the controller gathers them
-- into one result, as core.probe gives it for the whole lab, and hands
-- every machine that result.  With no pair list (every source to every
-- target but itself, as core.probe) no machine lists all the pairs: each
-- makes its own sources' and numbers them as core.probe would.  A machine
-- sends its answered pairs' RTTs (and their numbers only if opts.rtts asks
-- for them) and its failures: what the result needs, no more.
function M.probe(sources, targets, plist, opts)
  M.ready("probe")
  local T = #targets
  local n = plist and #plist // 2 or #sources * T - math.min(#sources, T)
  local mine = {}
  if M.ctx.me then
    local own, map, lpairs, back = {}, {}, {}, {}
    local function add(s, t, k)
      if not map[s] then own[#own + 1] = sources[s]; map[s] = #own end
      lpairs[#lpairs + 1] = map[s]
      lpairs[#lpairs + 1] = t
      back[#back + 1] = k
    end
    if plist then
      for k = 1, #plist, 2 do
        if type(sources[plist[k]]) == "userdata" then add(plist[k], plist[k + 1], (k + 1) // 2) end
      end
    else
      for i = 1, #sources do
        if type(sources[i]) == "userdata" then
          local before = (i - 1) * T - math.min(i - 1, T)   -- the pairs of sources 1 .. i-1
          for j = 1, T do
            if j ~= i then add(i, j, before + j - (j > i and 1 or 0)) end
          end
        end
      end
    end
    if #back > 0 then
      local o = {}
      for k, v in pairs(opts or {}) do o[k] = v end
      o.rtts = true
      local res, msg, code = core.probe(own, targets, lpairs, o)
      if not res then
        mine = { error = msg, errno = code }
      else
        local src_of = {}
        for s, ls in pairs(map) do src_of[ls] = s end
        mine = { rtts = {}, at = opts and opts.rtts and {} or nil, failed = {} }
        -- failed pairs in pair order; find each one's number
        local pending = {}
        for i, k in ipairs(back) do
          if res.rtts[i] then
            mine.rtts[#mine.rtts + 1] = res.rtts[i]
            if mine.at then mine.at[#mine.at + 1] = k end
          else
            local key = lpairs[2 * i - 1] .. ":" .. lpairs[2 * i]
            pending[key] = pending[key] or {}
            table.insert(pending[key], k)
          end
        end
        for _, f in ipairs(res.failed) do
          local k = table.remove(pending[f.src .. ":" .. f.dst], 1)
          f.src = src_of[f.src]
          mine.failed[#mine.failed + 1] = { i = k, fail = f }
        end
      end
    end
  end
  local res = M.sync("probe", mine, function(parts)
    local got, fails, rtts = {}, {}, opts and opts.rtts and {}
    for _, p in ipairs(parts) do
      if p.error then return { error = p.error, errno = p.errno } end
      for k, v in ipairs(p.rtts or {}) do
        got[#got + 1] = v
        if rtts then rtts[p.at[k]] = v end
      end
      for _, f in ipairs(p.failed or {}) do fails[#fails + 1] = f end
    end
    table.sort(fails, function(a, b) return a.i < b.i end)
    local r = { failed = {}, pairs = n, ok = #got }
    for k, f in ipairs(fails) do r.failed[k] = f.fail end
    if #got > 0 then
      local sum = 0
      for _, v in ipairs(got) do sum = sum + v end
      table.sort(got)
      r.rtt_min, r.rtt_max, r.rtt_avg = got[1], got[#got], sum / #got
      local h = #got // 2
      r.rtt_median = #got % 2 == 1 and got[h + 1] or (got[h] + got[h + 1]) / 2
    end
    if rtts then
      for i = 1, n do rtts[i] = rtts[i] or false end
      r.rtts = rtts
    end
    return r
  end)
  if res.error then return nil, res.error, res.errno end
  return res
end

-- agree(v) -> v, or in a run across machines the controller's v on every
-- machine: a decision taken by the clock (a deadline passed) is taken once
function M.agree(v)
  if not M.ctx then return v end
  return M.sync("agree", {}, function() return { v = v } end).v
end

-- probe_fn() -> core.probe, or M.probe in a run across machines
function M.probe_fn() return M.ctx and M.probe or core.probe end

-- shared(node, fn) -> what fn() returned on the machine that holds node,
-- on every machine: a command's result, say
function M.shared(lab, node, fn)
  M.ready("node " .. node.name)
  local mine = {}
  if lab.part:here(node) then
    local v = table.pack(fn())
    mine.n, mine.v = v.n, {}
    for i = 1, v.n do mine.v[i] = { x = v[i] } end
  end
  local all = M.sync("node " .. node.name, mine, function(parts)
    for _, p in ipairs(parts) do if p.n then return p end end
    return {}
  end)
  local out = {}
  for i = 1, all.n or 0 do out[i] = all.v[i].x end
  return table.unpack(out, 1, all.n or 0)
end

------------------------------------------------------------------ the runs

-- The machine's side of the underlay: the interface that holds the address
-- the controller's ssh reached it at, and its MTU.
local function underlay(addr)
  local root = core.root()
  local ifname, mtu
  for _, a in ipairs(root:addrs() or {}) do
    if a.cidr:match("^[^/]+") == addr then ifname = a.ifname end
  end
  for _, l in ipairs(ifname and root:links() or {}) do
    if l.name == ifname then mtu = l.mtu end
  end
  root:close()
  return ifname, mtu
end

-- nsrun --part: this machine's part of a run across machines, as the
-- controller's ssh session started it (stdin and stdout: the stream).
function M.serve()
  local script = require "nsrun.script"
  local r, w, e = core.stdio_detach()
  io.stderr = e
  local conn = os.getenv("SSH_CONNECTION") or ""
  local addr = conn:match("^%S+ %S+ (%S+) %S+$")
  local ifname, mtu
  if addr then ifname, mtu = underlay(addr) end
  send(w, { hello = true, addr = addr, ifname = ifname, mtu = mtu })
  local h = recv(r)
  if not h or not h.machine then return 0 end   -- the controller stopped first
  M.ctx = { me = h.machine, seq = 0, placement = h.placement, addr = h.addr, mtu = h.mtu,
    policy = h.policy, ["in"] = r, out = w }
  math.randomseed(h.seed)
  local ok, err = script.execute(h.path, h.args, h.script)
  local labs = script.opened_since(1)
  if ok then ok, err = script.containers_running(labs) end
  send(w, { done = ok, error = err })
  local verdict = ok and recv(r)
  if verdict and verdict.commit then
    local fine = true
    if h.rm then
      fine = script.teardown(labs, nil, h.wait)
    else
      for _, lab in ipairs(labs) do if not lab.destroyed then lab:save() end end
    end
    send(w, { finished = fine, error = not fine and "could not remove its part (said above)" or nil })
    return fine and 0 or 1
  end
  -- the run failed here or elsewhere, or the controller is gone
  if h.keep then script.keep(labs, ("on machine %s for debugging (--keep)"):format(h.machine))
  else script.teardown(labs, nil, h.wait) end
  return 1
end

local function is_loopback(a)
  return a == "::1" or a:find("^127%.") ~= nil
end

-- execute(path, list, opts) -> { ok =, errors = { line, ... }, started =
-- (the machines ran the script), status = (the script's os.exit), labs =
-- (this process's copies: the model), results =, counts = { [lab] = {
-- [machine] = nodes } }, seconds = }: the script run across opts.hosts
-- (opts.rm: each machine removes its part once the script has passed)
function M.execute(path, list, opts)
  local script = require "nsrun.script"
  local t0 = core.now()
  local function failed(msg, ...) return { ok = false, errors = { msg:format(...) } } end
  local f, ferr = io.open(path)
  if not f then return failed("%s", ferr) end
  local text = f:read("a")
  f:close()
  -- the lab, as the script makes it, without a kernel
  local labs, why = script.rehearse(path, list)
  if not labs then return failed("%s", why) end
  local placement, counts, cut = {}, {}, 0
  for _, lab in ipairs(labs) do
    if not lab.dry or lab.plan then
      local ok, where, count, n = pcall(M.partition, lab, opts.hosts)
      if not ok then return failed("%s", tostring(where)) end
      placement[lab.name], counts[lab.name], cut = where, count, cut + n
    end
  end
  local ok, ms = pcall(M.connect, opts.hosts)
  if not ok then return failed("%s", tostring(ms)) end
  local function stop(msg, ...)
    for _, m in ipairs(ms) do M.close(m) end
    os.remove(CONTROL_DIR)
    return failed(msg, ...)
  end
  -- each machine's part, and where it is on the underlay
  local addr, by_addr, limit, low = {}, {}, nil, nil
  for _, m in ipairs(ms) do
    m.session, m.pw, m.pr = core.popen2(m:argv("--part"))
    if not m.session then return stop("machine %s: ssh: %s", m.name, m.pw) end
  end
  for _, m in ipairs(ms) do
    local hello = recv(m.pr)
    if not hello or not hello.hello then
      return stop("machine %s: `nsrun --part` did not start there%s", m.name,
        hello and hello.bad and (": " .. hello.bad) or "")
    end
    if not hello.addr then return stop("machine %s: ssh gave it no SSH_CONNECTION: where does it listen?", m.name) end
    if is_loopback(hello.addr) then
      return stop("machine %s is reached at %s, a loopback address: the other machines cannot reach it "
        .. "there (name it by an address on the network between them)", m.name, hello.addr)
    end
    if by_addr[hello.addr] then
      return stop("machines %s and %s are one machine (both reached at %s)", by_addr[hello.addr], m.name, hello.addr)
    end
    by_addr[hello.addr] = m.name
    addr[m.name] = hello.addr
    if hello.mtu and (not limit or hello.mtu - M.OVERHEAD < limit) then
      limit, low = hello.mtu - M.OVERHEAD, m
      m.ifname, m.mtu = hello.ifname, hello.mtu
    end
  end
  -- the underlay's MTU bounds the lab's, checked before anything is made
  local policy = opts.mtu_policy or "clamp"
  if limit and limit < 1500 and cut > 0 then
    if policy == "refuse" then
      return stop("the underlay's MTU is %d on machine %s (%s): a link between the machines carries %d at most "
        .. "(minus %d for VXLAN), less than the lab's 1500; refused (--mtu-policy refuse); --mtu-policy clamp "
        .. "lowers the lab's links to %d", low.mtu, low.name, low.ifname, limit, M.OVERHEAD, limit)
    end
    eprintf("nsrun: the underlay's MTU is %d on machine %s (%s): the lab's links get MTU %d (%d for VXLAN); "
      .. "--mtu-policy refuse refuses instead\n", low.mtu, low.name, low.ifname, limit, M.OVERHEAD)
  else
    limit = nil
  end
  local seed = math.floor(core.now() * 1000) % 0x7fffffff
  for _, m in ipairs(ms) do
    send(m.pw, { machine = m.name, placement = placement, addr = addr, mtu = limit, policy = policy,
      seed = seed, script = text, path = path, args = list, rm = opts.rm, wait = opts.wait, keep = opts.keep })
  end
  -- the script here: the whole model, the probes gathered
  M.ctx = { seq = 0, machines = ms, placement = placement, addr = addr, mtu = limit, policy = policy }
  math.randomseed(seed)
  local e, status
  local first = #require("nsrun").opened + 1
  ok, e, status = script.execute(path, list)
  local here, results = script.opened_since(first)
  -- each machine's end of the script; one line per cause
  local errors = {}
  local function add(x)
    for _, y in ipairs(errors) do if y:find(x, 1, true) or x:find(y, 1, true) then return end end
    errors[#errors + 1] = x
  end
  if not ok then add(e) end
  for _, m in ipairs(ms) do
    if ok and not m.failed and not m.lost then
      local got, err = pcall(M.expect, m, "done")
      if not got then add(tostring(err)) end
    end
    if m.failed then add(("machine %s: %s"):format(m.name, m.failed)) end
  end
  if #errors == 0 then
    for _, m in ipairs(ms) do send(m.pw, { commit = true }) end
    for _, m in ipairs(ms) do
      local got, err = pcall(M.expect, m, "finished")
      if not got then errors[#errors + 1] = tostring(err) end
    end
  end
  M.ctx = nil
  for _, m in ipairs(ms) do M.close(m) end
  os.remove(CONTROL_DIR)   -- when no other run uses it
  return { ok = #errors == 0, errors = errors, started = true, status = status, labs = here,
    results = results, counts = counts, seconds = core.now() - t0 }
end

-- run(path, list, opts) -> exit status: nsrun --hosts a,b SCRIPT
function M.run(path, list, opts)
  local report = require "nsrun.report"
  local r = M.execute(path, list, opts)
  if not r.ok then
    for _, x in ipairs(r.errors) do eprintf("nsrun: %s\n", x) end
    if r.started then
      eprintf("nsrun: the run across %s failed: %s\n", table.concat(opts.hosts, ", "),
        opts.keep and "each machine kept its part (--keep)" or "each machine removed its part")
    end
    local status = math.tointeger(r.status)
    return status and status > 0 and status < 256 and status or 1
  end
  local results, counts = r.results, r.counts
  if #results > 0 then report.text({ { results = results } }, io.stdout) end
  for _, lab in ipairs(r.labs) do
    local s = lab:summary()
    local parts = {}
    for _, name in ipairs(opts.hosts) do
      parts[#parts + 1] = ("%s %d"):format(name, counts[lab.name] and counts[lab.name][name] or 0)
    end
    print(("lab %s %s: %d nodes, %d links (%d across machines), %d addresses, %d routes (%.2f s)")
      :format(lab.name, opts.rm and "was up" or "is up", s.nodes, s.links, lab.part and lab.part.cut or 0,
        s.addresses, s.routes, r.seconds))
    print("  nodes per machine: " .. table.concat(parts, ", "))
    if not opts.rm then
      local first = lab.order[1]
      local hosts = table.concat(opts.hosts, ",")
      if first then
        print(("  explore: nsrun --hosts %s exec %s %s -- ip route"):format(hosts, lab.name, first.name))
      end
      print(("  remove:  nsrun --hosts %s destroy %s"):format(hosts, lab.name))
    end
  end
  for _, r in ipairs(results) do if not r.ok then return 1 end end
  return 0
end

------------------------------------------------------------------ commands

-- each(hosts, fn) -> 0, or 1 when a machine could not be reached or fn
-- failed there (said on stderr, naming it): fn(machine) -> status, for each
-- machine in turn, over its own control master
local function each(hosts, fn)
  local status = 0
  for _, name in ipairs(hosts) do
    local ok, ms = pcall(M.connect, { name })
    if not ok then
      eprintf("nsrun: %s\n", tostring(ms))
      status = 1
    else
      local done, st = pcall(fn, ms[1])
      M.close(ms[1])
      os.remove(CONTROL_DIR)
      if not done then eprintf("nsrun: machine %s: %s\n", name, tostring(st)) end
      if not done or st ~= 0 then status = 1 end
    end
  end
  return status
end

-- lines(prefix, text, f): text's lines to f, each after prefix
local function lines(prefix, text, f)
  for line in (text or ""):gmatch("[^\n]+") do f:write(prefix, line, "\n") end
  f:flush()
end

-- command(name, argv, opts) -> status: nsrun --hosts a,b list | destroy |
-- exec | inspect: the same command on every machine, their answers
-- together, each line after the machine's name
function M.command(name, argv, opts)
  if name == "list" then
    local as_json = argv[1] == "--json"
    if argv[1] and (not as_json or argv[2]) then return require("nsrun.cli").usage_error("list") end
    local all = {}
    local status = each(opts.hosts, function(m)
      local st, out, err = m:run("list", "--json")
      if st ~= 0 then error((err or ""):gsub("%s+$", ""), 0) end
      for _, l in ipairs(json.decode(out)) do l.machine = m.name; all[#all + 1] = l end
      return 0
    end)
    if as_json then io.stdout:write(json.encode(all), "\n") return status end
    if #all == 0 then print("no labs") return status end
    print(("%-16s %-24s %10s %8s  %s"):format("MACHINE", "LAB", "NAMESPACES", "OBJECTS", "MADE BY"))
    for _, l in ipairs(all) do
      print(("%-16s %-24s %10d %8d  pid %d (%s)"):format(l.machine, l.name, l.namespaces, l.objects, l.pid,
        l.alive and "running" or "exited"))
    end
    return status
  elseif name == "destroy" or name == "inspect" and argv[#argv] ~= "--json" then
    return each(opts.hosts, function(m)
      local st, out, err = m:run(name, table.unpack(argv))
      lines(m.name .. ": ", out, io.stdout)
      lines(m.name .. ": ", err, io.stderr)
      return st
    end)
  elseif name == "inspect" then   -- --json: one array, an object per machine
    local all = {}
    local status = each(opts.hosts, function(m)
      local st, out, err = m:run(name, table.unpack(argv))
      lines(m.name .. ": ", err, io.stderr)
      if st == 0 then all[#all + 1] = { machine = m.name, inspect = json.decode(out) } end
      return st
    end)
    io.stdout:write(json.encode(all), "\n")
    return status
  end
  -- exec LAB SPEC -- CMD: the nodes from the lab's model (any machine's),
  -- the command on each node's machine, with this terminal
  local labname, spec = argv[1], argv[2]
  if not labname or not spec or spec == "--" then return require("nsrun.cli").usage_error("exec") end
  local model
  for _, h in ipairs(opts.hosts) do
    each({ h }, function(m)
      local st, out = m:run("inspect", labname, "--model")
      if st == 0 then model = json.decode(out) end
      return 0
    end)
    if model then break end
  end
  if not model then eprintf("nsrun: no machine of %s has lab %s\n", table.concat(opts.hosts, ", "), labname) return 1 end
  local nodes, msg = require("nsrun.model").select(model, spec)
  if not nodes then eprintf("nsrun: %s\n", msg) return 1 end
  local by, order = {}, {}
  for _, n in ipairs(nodes) do
    local m = n.machine or opts.hosts[1]
    if not by[m] then by[m] = {}; order[#order + 1] = m end
    table.insert(by[m], n.name)
  end
  local rest = table.move(argv, 3, #argv, 1, {})
  local status = 0
  local root = core.root()
  for _, mname in ipairs(order) do
    -- no control master for one command; one node: the user's terminal (-t)
    local m = setmetatable({ name = mname, tty = #nodes == 1 and core.isatty(0) }, Machine)
    local st = root:exec(m:argv("exec", labname, table.concat(by[mname], ","), table.unpack(rest)))
    if #order == 1 then status = st or 1 elseif st ~= 0 then status = 1 end
  end
  root:close()
  return status
end

return M
