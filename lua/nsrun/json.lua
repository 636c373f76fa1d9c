-- nsrun.json: JSON for reports, `nsrun inspect --json` and the lab's
-- topology file.  Tables with [1] (or empty) are arrays; object keys are
-- written sorted, so output is stable.
local M = {}

local function encode(v, out)
  local t = type(v)
  if t == "table" then
    if v[1] ~= nil or next(v) == nil then
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(x, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        encode(k, out)
        out[#out + 1] = ":"
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c)
      return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" })[c]
        or ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif t == "number" then
    out[#out + 1] = (v ~= v or v == math.huge or v == -math.huge) and "null"
      or (math.type(v) == "integer" and tostring(v) or ("%.6g"):format(v))
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = "null"
  end
end

function M.encode(v)
  local buf = {}
  encode(v, buf)
  return table.concat(buf)
end

-- decode(text) -> value, or nil, message.  null becomes nil.
function M.decode(s)
  local pos = 1
  local value
  local function err(msg) error({ json = ("JSON at byte %d: %s"):format(pos, msg) }, 0) end
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = s:find('["\\]', i)
      if not j then err("unterminated string") end
      out[#out + 1] = s:sub(i, j - 1)
      if s:sub(j, j) == '"' then pos = j + 1; return table.concat(out) end
      local c = s:sub(j + 1, j + 1)
      if c == "u" then
        local hex = s:match("^%x%x%x%x", j + 2)
        if not hex then err("bad \\u escape") end
        out[#out + 1] = utf8.char(tonumber(hex, 16))
        i = j + 6
      elseif ESC[c] then out[#out + 1] = ESC[c]; i = j + 2
      else err("bad escape") end
    end
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      repeat
        ws()
        if s:sub(pos, pos) ~= '"' then err("a key expected") end
        local k = str(); ws()
        if s:sub(pos, pos) ~= ":" then err("':' expected") end
        pos = pos + 1
        t[k] = value(); ws()
        c = s:sub(pos, pos); pos = pos + 1
      until c ~= ","
      if c ~= "}" then err("'}' expected") end
      return t
    elseif c == "[" then
      local t, n = {}, 0
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      repeat
        n = n + 1
        t[n] = value(); ws()
        c = s:sub(pos, pos); pos = pos + 1
      until c ~= ","
      if c ~= "]" then err("']' expected") end
      return t
    elseif c == '"' then return str()
    elseif s:find("^true", pos) then pos = pos + 4; return true
    elseif s:find("^false", pos) then pos = pos + 5; return false
    elseif s:find("^null", pos) then pos = pos + 4; return nil
    end
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not num or num == "" then err("unexpected " .. (c == "" and "end" or ("%q"):format(c))) end
    pos = pos + #num
    return math.tointeger(tonumber(num)) or tonumber(num)
  end
  local ok, v = pcall(function()
    local v = value(); ws()
    if pos <= #s then err("trailing text") end
    return v
  end)
  if ok then return v end
  if type(v) == "table" and v.json then return nil, v.json end
  error(v, 0)
end

return M
