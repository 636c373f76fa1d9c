-- nsrun.util: errors that name the script's line, argument checks.
local M = {}

-- nsrun's own errors: a message that already says where; printed as is
-- (no traceback), since they are about the network asked for, not a bug.
local Error = { __name = "nsrun.error" }
Error.__index = Error
Error.__tostring = function(e) return e.msg end
M.Error = Error

-- "script.lua:12: " for the first frame outside nsrun's own files.
function M.where()
  for level = 2, 64 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.what ~= "C" and not info.source:find("^@%[nsrun%]") then
      if info.currentline and info.currentline > 0 then
        return info.short_src .. ":" .. info.currentline .. ": "
      end
      return ""
    end
  end
  return ""
end

function M.fail(msg, code)
  error(setmetatable({ msg = M.where() .. msg, code = code }, Error), 0)
end

-- check(ok, msg, code): core calls return true or nil, message, errno.
function M.check(ok, msg, code)
  if not ok then M.fail(msg, code) end
  return ok
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

return M
