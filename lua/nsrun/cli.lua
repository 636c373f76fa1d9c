-- nsrun.cli: the command line of the nsrun interpreter.
local nsrun = require "nsrun"
local util = require "nsrun.util"
local report = require "nsrun.report"

local M = {}

local USAGE = [[
usage: nsrun [--rm | --keep] [--no-preflight] SCRIPT [ARG...]
                                   run a scenario; its lab stays up
       nsrun test [--tap] [--junit FILE] [--json FILE] [--graph FILE] [--keep]
                  [--no-preflight] SCRIPT...
                                   build, check and destroy each scenario
       nsrun list [--json]         show the labs on this machine
       nsrun destroy LAB... | --all
                                   remove what labs created
       nsrun exec LAB NODE[,NODE...]|PATTERN -- CMD [ARG...]
                                   run a command in nodes (a container: in it)
       nsrun inspect LAB [NODE|PATTERN] [--json]
                                   nodes, interfaces and peers, addresses, routes
       nsrun graph LAB|SCRIPT [-o FILE.dot] [--svg FILE] [--png FILE]
                                   the topology as Graphviz DOT (a script: dry)
       nsrun impair LAB NODE IFNAME [delay=T] [jitter=T] [loss=P] [duplicate=P]
                    [reorder=P] [corrupt=P] [rate=R] [limit=N] | clear
                                   link impairments (netem, tbf) while it runs
       nsrun --help | --version

Run as root.  SCRIPT sees its arguments as `arg` (the raw list, as lua does)
and `args` (key=value pairs parsed: nsrun datacenter.lua spines=4 gives
args.spines == 4).

options:
  --rm      destroy the script's labs when it ends
  --keep    keep the labs even when the script fails (to debug them)
  --no-preflight
            skip the dry rehearsal that first looks for names already taken
            (namespaces, host interfaces, labs) and, if any, makes nothing

exit status: 0 success; 1 the script, an operation or an expectation failed;
2 bad usage.  nsrun exec: the command's status (one node); 1 if any failed.
nsrun test: 0 all expectations hold, 1 one failed, 2 a scenario could not run.
]]

local function eprintf(fmt, ...) io.stderr:write(fmt:format(...)) end

-- key=value -> args.key (numbers and booleans converted); others positional
local function parse_args(list)
  local args = {}
  for _, a in ipairs(list) do
    local k, v = a:match("^([%a_][%w_%-]*)=(.*)$")
    if k then
      if v == "true" then v = true elseif v == "false" then v = false
      else v = math.tointeger(tonumber(v)) or tonumber(v) or v end
      args[k] = v
    else
      args[#args + 1] = a
    end
  end
  return args
end

-- Errors from nsrun print as they are; others (bugs in a script) with a
-- traceback, as lua.c does.
local function handler(e)
  if util.is_error(e) then return e end
  -- a check made in C, raised in nsrun's Lua: at the script's line instead
  local msg = type(e) == "string" and e:match("^%[nsrun%][^:]*:%d+: (.*)$")
  if msg then return setmetatable({ msg = util.where() .. msg }, util.Error) end
  if type(e) == "table" and e.nsrun_exit then return e end
  if e == "interrupted" then return "interrupted by a signal" end  -- main.c's hook
  return debug.traceback(tostring(e), 2)
end

local function hints(lab, removing)
  local s = lab:summary()
  local t = {}
  for _, phase in ipairs { "build", "addresses", "routes", "check" } do
    if s.times[phase] then t[#t + 1] = ("%s %.2f s"):format(phase, s.times[phase]) end
  end
  print(("lab %s %s: %d nodes, %d links, %d addresses, %d routes (%.2f s%s)")
    :format(lab.name, lab.dry and "(dry: nothing was made)" or "is up", s.nodes, s.links,
      s.addresses, s.routes, s.seconds, #t > 0 and ": " .. table.concat(t, ", ") or ""))
  if lab.dry or removing then return end
  local first = lab.order[1]
  if first then
    print(("  explore: ip netns exec %s ip route"):format(first.nsname))
  end
  print(("  remove:  nsrun destroy %s"):format(lab.name))
end

local function teardown(labs, why)
  local status = true
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      local ok, msg = lab:destroy()
      if not ok then
        eprintf("nsrun: removing lab %s: %s\n", lab.name, msg)
        status = false
      elseif why and not lab.dry then
        eprintf("nsrun: %s: removed lab %s\n", why, lab.name)
      end
    end
  end
  return status
end

-- Run a script: its arguments as `arg` and `args`; os.exit ends the script,
-- not nsrun.  Returns true, or false, the error (as text) and the status
-- the script chose with os.exit, if it did.
local function execute(path, list)
  local chunk, err = loadfile(path)
  if not chunk then return false, err end
  _G.arg = { [0] = path, table.unpack(list) }
  _G.args = parse_args(list)
  local exit = os.exit
  os.exit = function(code)
    if code == nil or code == true then code = 0 elseif code == false then code = 1 end
    error({ nsrun_exit = code }, 0)
  end
  local ok, e = xpcall(chunk, handler, table.unpack(list))
  os.exit = exit
  local status
  if not ok and type(e) == "table" and e.nsrun_exit then
    ok, status = e.nsrun_exit == 0, e.nsrun_exit
    e = not ok and ("script exited with status " .. tostring(status)) or nil
  end
  return ok, e ~= nil and tostring(e) or nil, status
end

-- the labs a script opened, and their expectations' results
local function opened_since(first)
  local labs, results = {}, {}
  for i = first, #nsrun.opened do
    local lab = nsrun.opened[i]
    labs[#labs + 1] = lab
    for _, r in ipairs(lab.results or {}) do results[#results + 1] = r end
  end
  return labs, results
end

-- A script that ended with a container of its labs gone (its command
-- exited) failed: the lab is not the one asked for.
local function containers_running(labs)
  for _, lab in ipairs(labs) do
    local ok, why = lab:containers_running()
    if not ok then return false, why end
  end
  return true
end

-- The pre-flight pass (nsrun.preflight): nil when the script may run,
-- else why not (every name it needs that is taken, one per line).
local function preflight(path, list, opts)
  if opts.no_preflight then return nil end
  local taken, _, e = require("nsrun.preflight").check(execute, path, list)
  -- The rehearsal's model is garbage now: collect it at once, so that the
  -- real run reuses its memory and the collector does not walk it while
  -- the lab is built (half the Lua time of a k=16 fat-tree).
  collectgarbage()
  if e and e:find("interrupted by a signal") then return e end
  if #taken == 0 then return nil end
  taken[#taken + 1] = ("nothing was made: %d name%s the script needs %s taken")
    :format(#taken, #taken > 1 and "s" or "", #taken > 1 and "are" or "is")
  return table.concat(taken, "\n")
end

local function run_script(path, list, opts)
  local why = preflight(path, list, opts)
  if why then eprintf("nsrun: %s\n", why:gsub("\n", "\nnsrun: ")) return 1 end
  local ok, e, status = execute(path, list)
  local labs, results = opened_since(1)
  if ok then ok, e = containers_running(labs) end
  if not ok then
    eprintf("nsrun: %s\n", e)
    if opts.keep then
      for _, lab in ipairs(labs) do
        if not lab.destroyed then
          pcall(lab.save, lab)
          eprintf("nsrun: kept lab %s for debugging (--keep); `nsrun destroy %s` removes it\n",
            lab.name, lab.name)
        end
      end
    else
      teardown(labs, "the script failed")
    end
    -- os.exit(n): the script's own status (77 "skipped", say), as lua.c
    status = math.tointeger(status)
    return status and status > 0 and status < 256 and status or 1
  end
  if #results > 0 then report.text({ { results = results } }, io.stdout) end
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      if not opts.rm then lab:save() end
      hints(lab, opts.rm)
    end
  end
  if opts.rm and not teardown(labs, "--rm") then return 1 end
  for _, r in ipairs(results) do if not r.ok then return 1 end end
  return 0
end

-- nsrun test [--tap] [--junit FILE] [--json FILE] [--keep] SCRIPT...:
-- each scenario built, checked and destroyed, one after another.
-- Exit: 0 all expectations hold; 1 one failed; 2 a scenario could not run.
local function cmd_test(argv)
  local opts, scripts, i = {}, {}, 1
  while argv[i] do
    local a = argv[i]
    if a == "--tap" then opts.tap = true
    elseif a == "--junit" or a == "--json" or a == "--graph" then
      if not argv[i + 1] then eprintf("nsrun test: %s needs a file\n", a) return 2 end
      opts[a:sub(3)] = argv[i + 1]; i = i + 1
    elseif a == "--keep" then opts.keep = true
    elseif a == "--no-preflight" then opts.no_preflight = true
    elseif a:sub(1, 1) == "-" then eprintf("nsrun test: unknown option %s\n", a) return 2
    else scripts[#scripts + 1] = a end
    i = i + 1
  end
  if #scripts == 0 then eprintf("nsrun test: name at least one scenario\n") return 2 end
  local runs, stop = {}, false
  local graphs = { models = {}, failures = {} }
  for _, path in ipairs(scripts) do
    if stop then break end
    local first = #nsrun.opened + 1
    local t0 = nsrun.core.now()
    local ok, e = true, preflight(path, {}, opts)
    if e then ok = false else ok, e = execute(path, {}) end
    local labs, results = opened_since(first)
    if ok then ok, e = containers_running(labs) end
    local run = { script = path, results = results, seconds = nsrun.core.now() - t0 }
    if not ok then
      run.status, run.error = "error", e
      stop = e and e:find("interrupted by a signal") ~= nil
    else
      run.status = "passed"
      for _, r in ipairs(results) do if not r.ok then run.status = "failed" end end
      if #results == 0 then
        run.status, run.error = "error", "the scenario checks nothing (no lab:expect)"
      end
    end
    if opts.graph then
      for _, lab in ipairs(labs) do
        local failures = {}
        for _, r in ipairs(lab.results or {}) do
          for _, f in ipairs(r.failures) do failures[#failures + 1] = f end
        end
        graphs.models[#graphs.models + 1] = lab:model()
        graphs.failures[lab.name] = failures
      end
    end
    if opts.keep then
      for _, lab in ipairs(labs) do
        if not lab.destroyed then
          pcall(lab.save, lab)
          eprintf("nsrun: kept lab %s (--keep)\n", lab.name)
        end
      end
    elseif not teardown(labs) and run.status ~= "error" then
      run.status, run.error = "error", "its lab could not be removed"
    end
    runs[#runs + 1] = run
  end
  if opts.tap then report.tap(runs, io.stdout) else report.text(runs, io.stdout) end
  for _, f in ipairs { "junit", "json" } do
    if opts[f] then
      local out, err = io.open(opts[f], "w")
      if not out then eprintf("nsrun test: %s\n", err) return 2 end
      report[f](runs, out)
      out:close()
    end
  end
  if opts.graph and #graphs.models > 0 then
    local ok, err = require("nsrun.graph").write(
      require("nsrun.graph").dot(graphs.models, { failures = graphs.failures }), opts.graph)
    if not ok then eprintf("nsrun test: --graph %s: %s\n", opts.graph, err) return 2 end
  end
  local p, failed, errors = report.counts(runs)
  return errors > 0 and 2 or failed > 0 and 1 or 0
end

local function cmd_list(argv)
  local labs = nsrun.labs()
  if argv[1] == "--json" then
    local out = {}
    for i, l in ipairs(labs) do
      out[i] = { name = l.name, namespaces = l.namespaces, objects = l.objects, pid = l.pid,
        running = l.alive, unreadable = l.bad > 0 and l.bad or nil }
    end
    io.stdout:write(require("nsrun.json").encode(out), "\n")
    return 0
  elseif argv[1] then eprintf("usage: nsrun list [--json]\n") return 2 end
  if #labs == 0 then print("no labs") return 0 end
  print(("%-24s %10s %8s  %s"):format("LAB", "NAMESPACES", "OBJECTS", "MADE BY"))
  for _, l in ipairs(labs) do
    print(("%-24s %10d %8d  pid %d (%s)"):format(l.name, l.namespaces, l.objects, l.pid,
      l.alive and "running" or "exited"))
  end
  return 0
end

local function cmd_destroy(names)
  if names[1] == "--all" then
    names = {}
    for _, l in ipairs(nsrun.labs()) do names[#names + 1] = l.name end
  end
  if #names == 0 then eprintf("nsrun: destroy: name a lab, or --all\n"); return 2 end
  local status = 0
  for _, name in ipairs(names) do
    local info = nsrun.core.lab_read(name)
    if info and info.bad > 0 then
      eprintf("nsrun: lab %s: its journal has %d unreadable lines (torn or corrupt): "
        .. "removing what the rest records\n", name, info.bad)
    end
    local ok, msg, code = nsrun.destroy(name)
    if ok then print("destroyed lab " .. name)
    elseif code == 2 then eprintf("nsrun: %s (nothing to destroy)\n", msg)
    else eprintf("nsrun: destroy %s: %s\n", name, msg); status = 1 end
  end
  return status
end

function M.main(argv)
  local i, opts = 1, {}
  while argv[i] and argv[i]:sub(1, 1) == "-" do
    local o = argv[i]
    if o == "--help" or o == "-h" then io.write(USAGE) return 0
    elseif o == "--version" or o == "-V" then print("nsrun " .. nsrun.version) return 0
    elseif o == "--rm" then opts.rm = true
    elseif o == "--keep" then opts.keep = true
    elseif o == "--no-preflight" then opts.no_preflight = true
    else eprintf("nsrun: unknown option %s\n%s", o, USAGE) return 2 end
    i = i + 1
  end
  local cmd = argv[i]
  if not cmd then io.stderr:write(USAGE) return 2 end
  local rest = table.move(argv, i + 1, #argv, 1, {})
  local tools = require "nsrun.tools"
  if cmd == "list" then return cmd_list(rest)
  elseif cmd == "exec" then return tools.exec(rest)
  elseif cmd == "inspect" then return tools.inspect(rest)
  elseif cmd == "impair" then return tools.impair(rest)
  elseif cmd == "graph" then
    return tools.graph(rest, function(path, list)
      local labs, _, ok, err = require("nsrun.preflight").rehearse(execute, path, list)
      if not ok and #labs == 0 then return nil, err end
      return labs
    end)
  elseif cmd == "test" then return cmd_test(rest)
  elseif cmd == "destroy" then return cmd_destroy(rest)
  end
  return run_script(cmd, rest, opts)
end

return M
