-- nsrun test [--tap] [--junit FILE] [--json FILE] [--graph FILE] [--plot FILE]
-- [--golden DIR [--update-golden]] [--keep] [--wait] SCRIPT [KEY=VALUE...]...: each
-- scenario built, checked and destroyed, one after another, with the
-- key=value arguments that follow it.
-- Exit: 0 all expectations hold; 1 one failed; 2 a scenario could not run.
local nsrun = require "nsrun"
local script = require "nsrun.script"
local report = require "nsrun.report"
local util = require "nsrun.util"

local eprintf = util.eprintf

local M = {
  usage = "nsrun test [--tap] [--junit FILE] [--json FILE] [--graph FILE] [--plot FILE] "
    .. "[--golden DIR [--update-golden]] [--keep] [--wait] [--no-preflight] SCRIPT [KEY=VALUE...]...",
  summary = "build, check and destroy each scenario",
}

-- The lab against its golden snapshot DIR/LAB.json (links, addresses,
-- routes; no neighbours, no MACs: they change from run to run), or that
-- file written (--update-golden): one more result of the run.
local function golden(lab, opts)
  local snapshot = require "nsrun.snapshot"
  local path = opts.golden .. "/" .. lab.name .. ".json"
  local r = { name = ("%s matches %s"):format(lab.name, path), expect = "golden", pairs = 0, failures = {} }
  local t0 = script.now()
  local ok, now = pcall(lab.snapshot, lab, { neighbours = false, macs = false })
  if not ok then
    r.ok, r.summary = false, tostring(util.is_error(now) and now.message or now)
  elseif opts.update_golden then
    local done, err = snapshot.write(now, path)
    r.ok, r.name = done and true or false, ("%s written to %s"):format(lab.name, path)
    if not done then r.summary = err end
  else
    local want, why = snapshot.read(path)
    if not want then
      r.ok, r.summary = false, why .. " (nsrun test --golden DIR --update-golden writes it)"
    else
      local lines = snapshot.diff(want, now)
      r.ok, r.failures = #lines == 0, snapshot.failures(lines)
      if not r.ok then r.summary = ("%d difference%s from %s"):format(#lines, #lines == 1 and "" or "s", path) end
    end
  end
  r.pairs, r.seconds = #lab.order, script.now() - t0
  return r
end

-- One scenario: its run record { script, status, error, results, seconds }
-- and the labs it opened.
local function run_one(path, list, opts, wait)
  local first = #nsrun.opened + 1
  local t0 = script.now()
  local ok, e, labs, results
  if opts.hosts then   -- across machines: each removes its part once the script passed
    local r = require("nsrun.machines").execute(path, list, { hosts = opts.hosts, rm = not opts.keep,
      wait = wait, keep = opts.keep, mtu_policy = opts.mtu_policy })
    ok, e, labs, results = r.ok, table.concat(r.errors, "; "), r.labs or {}, r.results or {}
  else
    ok, e = true, script.preflight(path, list, opts)
    if e then ok = false else ok, e = script.execute(path, list) end
    labs, results = script.opened_since(first)
    if ok then ok, e = script.containers_running(labs) end
  end
  if ok and opts.golden then
    for _, lab in ipairs(labs) do
      if not lab.destroyed then results[#results + 1] = golden(lab, opts) end
    end
  end
  local name = #list > 0 and path .. " " .. table.concat(list, " ") or path
  local run = { script = name, results = results, seconds = script.now() - t0 }
  if not ok then
    run.status, run.error = "error", e
  else
    run.status = "passed"
    for _, r in ipairs(results) do if not r.ok then run.status = "failed" end end
    if #results == 0 then
      run.status, run.error = "error", "the scenario checks nothing (no lab:expect)"
    end
  end
  return run, labs
end

function M.run(argv, global)
  local opts, scripts, i = { hosts = global and global.hosts, mtu_policy = global and global.mtu_policy,
    wait = global and global.wait }, {}, 1
  while argv[i] do
    local a = argv[i]
    if a == "--tap" then opts.tap = true
    elseif a == "--update-golden" then opts.update_golden = true
    elseif a == "--junit" or a == "--json" or a == "--graph" or a == "--plot" or a == "--golden" then
      if not argv[i + 1] then return require("nsrun.cli").usage_error("test", a .. " needs a file") end
      opts[a:sub(3)] = argv[i + 1]; i = i + 1
    elseif a == "--keep" then opts.keep = true
    elseif a == "--wait" then opts.wait = true
    elseif a == "--no-preflight" then opts.no_preflight = true
    elseif a:sub(1, 1) == "-" then return require("nsrun.cli").usage_error("test", "unknown option " .. a)
    elseif a:match("^[%a_][%w_%-]*=") then
      -- an argument of the script before it: nsrun test fattree.lua k=8
      if #scripts == 0 then
        return require("nsrun.cli").usage_error("test", ("%s comes before any script"):format(a))
      end
      table.insert(scripts[#scripts].args, a)
    else scripts[#scripts + 1] = { path = a, args = {} } end
    i = i + 1
  end
  if #scripts == 0 then return require("nsrun.cli").usage_error("test", "name at least one scenario") end
  if opts.golden and opts.hosts then
    return require("nsrun.cli").usage_error("test", "--golden compares snapshots of one machine's kernel: not with --hosts")
  end
  if opts.update_golden and not opts.golden then
    return require("nsrun.cli").usage_error("test", "--update-golden needs --golden DIR")
  end
  local runs = {}
  local graphs = { models = {}, failures = {} }
  for i, sc in ipairs(scripts) do
    -- the next scenario builds and measures on a kernel done freeing this one
    local wait = opts.wait or i < #scripts
    local run, labs = run_one(sc.path, sc.args, opts, wait)
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
    if opts.keep then script.keep(labs, "(--keep)")
    elseif not script.teardown(labs, nil, wait) and run.status ~= "error" then
      run.status, run.error = "error", "its lab could not be removed"
    end
    runs[#runs + 1] = run
    if run.error and run.error:find("interrupted by a signal") then break end
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
  if opts.plot then
    local all = {}
    for _, run in ipairs(runs) do
      for _, r in ipairs(run.results) do all[#all + 1] = r end
    end
    local svg = require("nsrun.outage").svg(all)
    if svg then
      local out, err = io.open(opts.plot, "w")
      if not out then eprintf("nsrun test: --plot %s: %s\n", opts.plot, err) return 2 end
      out:write(svg)
      out:close()
    else
      eprintf("nsrun test: --plot %s: no survives expectation to plot\n", opts.plot)
    end
  end
  if opts.graph and #graphs.models > 0 then
    local graph = require "nsrun.graph"
    local ok, err = graph.write(graph.dot(graphs.models, { failures = graphs.failures }), opts.graph)
    if not ok then eprintf("nsrun test: --graph %s: %s\n", opts.graph, err) return 2 end
  end
  local _, failed, errors = report.counts(runs)
  return errors > 0 and 2 or failed > 0 and 1 or 0
end

return M
