-- nsrun.script: running a scenario script the way the interpreter does:
-- its arguments, its errors, the pre-flight pass, and the labs it opened.
local nsrun = require "nsrun"
local core = require "nsrun.core"
local util = require "nsrun.util"

local eprintf = util.eprintf

local M = {}

-- key=value -> args.key (numbers and booleans converted); others positional
function M.parse_args(list)
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

-- The method of nsrun's objects closest to name (a misspelling), as
-- "lab:router", or nil.
local function closest(name)
  local class = require "nsrun.class"
  local function distance(a, b)   -- Levenshtein, small strings
    local prev = {}
    for j = 0, #b do prev[j] = j end
    for i = 1, #a do
      local cur = { [0] = i }
      for j = 1, #b do
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a:byte(i) == b:byte(j) and 0 or 1))
      end
      prev = cur
    end
    return prev[#b]
  end
  local best, bd
  for _, c in ipairs { { "lab", class.Lab }, { "node", class.Node }, { "bridge", class.Bridge },
    { "link", class.Link } } do
    for k, v in pairs(c[2]) do
      if type(v) == "function" and not k:find("^_") then
        local d = distance(name, k)
        if not bd or d < bd then best, bd = c[1] .. ":" .. k, d end
      end
    end
  end
  if bd and bd <= math.max(2, #name // 3) then return best end
end

-- Errors from nsrun print as they are; a call of a method that is not
-- there, as one line at the script's line; others (bugs in a script) with
-- a traceback, as lua.c does.
local function handler(e)
  if util.is_error(e) then return e end
  if type(e) == "table" and e.nsrun_exit then return e end
  if e == "interrupted" then return "interrupted by a signal" end  -- main.c's hook
  local method = type(e) == "string" and e:match("attempt to call a nil value %(method '([%w_]+)'%)")
  if method then
    local near = closest(method)
    local missed = require("nsrun.class").missed
    local o, what = missed.object, "the object"
    if missed.key == method and o then
      local kind = (getmetatable(o).__name or ""):gsub("^nsrun%.", "")
      what = o.name and kind .. " " .. o.name or tostring(o)
    end
    return util.err(("%s has no method '%s'%s"):format(what, method,
      near and (" (did you mean %s?)"):format(near) or ""))
  end
  return debug.traceback(tostring(e), 2)
end

-- execute(path, list) -> true, or false, the error (as text) and the
-- status the script chose with os.exit, if it did.  The script sees its
-- arguments as `arg` and `args`; os.exit ends the script, not nsrun.
-- text: the script's text, when it is not read from path (a part of a run
-- across machines gets it from the controller).
function M.execute(path, list, text)
  local chunk, err
  if text then chunk, err = load(text, "@" .. path) else chunk, err = loadfile(path) end
  if not chunk then return false, err end
  _G.arg = { [0] = path, table.unpack(list) }
  _G.args = M.parse_args(list)
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

-- opened_since(first) -> the labs a script opened (nsrun.opened[first..]),
-- and their expectations' results
function M.opened_since(first)
  local labs, results = {}, {}
  for i = first, #nsrun.opened do
    local lab = nsrun.opened[i]
    labs[#labs + 1] = lab
    for _, r in ipairs(lab.results or {}) do results[#results + 1] = r end
  end
  return labs, results
end

-- containers_running(labs) -> true, or false, why: when a script ends, its
-- labs' daemons start if they have not (lab:start), and a container whose
-- command exited or a daemon that ended fails the run: the lab is not the
-- one asked for.
function M.containers_running(labs)
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      local started, err = pcall(lab.start, lab)
      if not started then return false, tostring(err) end
    end
    local ok, why = lab:containers_running()
    if ok then ok, why = lab:daemons_running() end
    if not ok then return false, tostring(why) end
  end
  return true
end

-- preflight(path, list, opts) -> nil when the script may run, else why not
-- (every name it needs that is taken, one per line); then the machines a
-- lab of the script names (nsrun.lab(name, { hosts = ... })), if any.
-- See nsrun.preflight.
function M.preflight(path, list, opts)
  if opts.no_preflight then return nil end
  local taken, _, e, n, labs = require("nsrun.preflight").check(M.execute, path, list)
  local hosts
  for _, lab in ipairs(labs) do hosts = hosts or lab.hosts end
  -- The rehearsal's model is garbage now: collect it at once, so that the
  -- real run reuses its memory and the collector does not walk it while
  -- the lab is built (half the Lua time of a k=16 fat-tree).
  collectgarbage()
  if e and e:find("interrupted by a signal") then return e end
  if #taken == 0 then return nil, hosts end
  taken[#taken + 1] = ("nothing was made: %d name%s the script needs %s taken")
    :format(n, n > 1 and "s" or "", n > 1 and "are" or "is")
  return table.concat(taken, "\n")
end

-- teardown(labs [, why [, wait]]) -> true, or false when a lab could not be
-- removed (said on stderr); why: said for each lab removed; wait: return once
-- the kernel has freed them (once for all: nsrun.lab.await_freed)
function M.teardown(labs, why, wait)
  local status, removed = true, {}
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      local ok, e = pcall(lab.destroy, lab)
      if not ok then
        eprintf("nsrun: removing lab %s: %s\n", lab.name, tostring(e))
        status = false
      elseif not lab.dry then
        removed[#removed + 1] = lab.name
        if why then eprintf("nsrun: %s: removed lab %s\n", why, lab.name) end
      end
    end
  end
  if wait and #removed > 0 then require("nsrun.lab").await_freed(table.concat(removed, ", ")) end
  return status
end

-- keep(labs, note): leave the labs up (--keep), their models saved
function M.keep(labs, note)
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      pcall(lab.save, lab)
      eprintf("nsrun: kept lab %s %s; `nsrun destroy %s` removes it\n", lab.name, note, lab.name)
    end
  end
end

-- rehearse(path, list) -> the dry labs a script makes (nothing is made on
-- the machine: no root needed), or nil, why
function M.rehearse(path, list)
  local labs, _, ok, err = require("nsrun.preflight").rehearse(M.execute, path, list)
  if not ok and #labs == 0 then return nil, err end
  return labs
end

M.now = core.now

return M
