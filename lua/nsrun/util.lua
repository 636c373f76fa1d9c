-- nsrun.util: errors that name the script's line, argument checks.
--
-- The error convention of nsrun's Lua API (docs/api.md, "Errors"):
--   * A method that makes, changes or removes something raises an
--     nsrun.error when it cannot: a table with message (the script's
--     file:line, then what failed, the object and the kernel's reason),
--     errno (the kernel's error number, when there is one) and object (the
--     name of the node, link or lab the method was called on, when there is
--     one); tostring(err) is the message.  Misuse (a wrong argument) raises
--     the same kind of error, in Lua's own words.
--   * A query whose answer may be "no" returns nil and an nsrun.error
--     (lab:ping, node:ip, nsrun.lab_info).
--   * nsrun.core, the C layer, returns nil, message, errno (as io.open
--     does); only this file turns those into errors.
local core = require "nsrun.core"

local M = {}

-- The class of nsrun's errors, made in C (bindings/module.c) so that checks
-- made in C raise the same objects: { message =, errno =, object = }.
local Error = core.Error
M.Error = Error

-- "script.lua:12: " for the first frame outside nsrun's own files.
M.where = core.where

-- err(message [, errno [, object]]) -> an nsrun.error at the script's line
function M.err(message, errno, object)
  return setmetatable({ message = M.where() .. message, errno = errno, object = object }, Error)
end

function M.fail(message, errno, object)
  error(M.err(message, errno, object), 0)
end

-- check(ok, ...): core calls return values, or nil, message, errno; the
-- values, or an error
function M.check(ok, ...)
  if not ok then M.fail(...) end
  return ok, ...
end

-- check_for(obj, ok, ...): the same, naming obj (a node, link, bridge or
-- lab) as the error's object
function M.check_for(obj, ok, ...)
  if not ok then
    local message, errno = ...
    M.fail(message, errno, obj.name)
  end
  return ok, ...
end

function M.is_error(e) return getmetatable(e) == Error end

-- argument checks for the public API, in Lua's own words
function M.arg(cond, n, fname, msg)
  if not cond then M.fail(("bad argument #%d to '%s' (%s)"):format(n, fname, msg)) end
end

function M.string_arg(v, n, fname)
  if type(v) ~= "string" then M.arg(false, n, fname, "string expected, got " .. M.typename(v)) end
  return v
end

function M.typename(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name or type(v)
end

function M.split(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

-- eprintf(fmt, ...): to stderr, for the command line's messages
function M.eprintf(fmt, ...) io.stderr:write(fmt:format(...)) end

-- slurp(path) -> a file's whole text, or nil when it cannot be read
function M.slurp(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

return M
