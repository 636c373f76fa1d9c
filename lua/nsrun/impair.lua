-- nsrun.impair: link impairments as scripts and the command line write
-- them, turned into what core's ns:impair takes.
--   delay, jitter   "10ms", "250us", "1.5s", or a number of ms
--   loss, duplicate, reorder, corrupt   "1%", "0.5%", or a number (percent)
--   rate            "10mbit", "500kbit", "1gbit", "2mbps" (bytes), or bit/s
--   limit           packets in netem's queue
local M = {}

M.KEYS = { "delay", "jitter", "loss", "duplicate", "reorder", "corrupt", "rate", "limit" }
local IS_KEY = {}
for _, k in ipairs(M.KEYS) do IS_KEY[k] = true end
M.IS_KEY = IS_KEY

local TIME = { us = 1, usec = 1, ms = 1000, msec = 1000, s = 1000000, sec = 1000000 }
local RATE = { bit = 1, kbit = 1e3, mbit = 1e6, gbit = 1e9, tbit = 1e12,
  bps = 8, kbps = 8e3, mbps = 8e6, gbps = 8e9 }

local function number_unit(v)
  if type(v) == "number" then return v, nil end
  if type(v) ~= "string" then return nil end
  local n, unit = v:match("^%s*([%d%.]+)%s*(%a*%%?)%s*$")
  if not n then return nil end
  return tonumber(n), unit ~= "" and unit:lower() or nil
end

local function time_us(k, v)
  local n, unit = number_unit(v)
  local scale = unit == nil and 1000 or TIME[unit]
  if not n or not scale then
    return nil, ("%s %q: a time like 10ms, 250us, 1s or a number of ms"):format(k, tostring(v))
  end
  return math.floor(n * scale + 0.5)
end

local function percent(k, v)
  local n, unit = number_unit(v)
  if not n or (unit and unit ~= "%") then
    return nil, ("%s %q: a percentage like 1%% or a number"):format(k, tostring(v))
  end
  if n > 100 then return nil, ("%s %s: over 100%%"):format(k, tostring(v)) end
  return n
end

local function rate(k, v)
  local n, unit = number_unit(v)
  local scale = unit == nil and 1 or RATE[unit]
  if not n or not scale then
    return nil, ("%s %q: a rate like 10mbit, 500kbit, 1gbit or a number of bit/s"):format(k, tostring(v))
  end
  return math.floor(n * scale + 0.5)
end

M.time_us, M.percent, M.rate = time_us, percent, rate

local PARSE = { delay = time_us, jitter = time_us, loss = percent, duplicate = percent,
  reorder = percent, corrupt = percent, rate = rate,
  limit = function(k, v)
    if math.type(v) == "integer" and v > 0 then return v end
    if type(v) == "string" and v:match("^%d+$") then return math.tointeger(tonumber(v)) end
    return nil, ("%s %q: a number of packets"):format(k, tostring(v))
  end }

-- parse({ delay = "10ms", ... }) -> { delay_us =, ... } for ns:impair, or
-- nil, message.  false or "none" for a key leaves it out.
function M.parse(opts)
  local spec = {}
  for k, v in pairs(opts) do
    if not IS_KEY[k] then
      return nil, ("unknown impairment %q (%s)"):format(tostring(k), table.concat(M.KEYS, ", "))
    end
    if v ~= false and v ~= "none" then
      local x, err = PARSE[k](k, v)
      if not x then return nil, err end
      local field = (k == "delay" or k == "jitter") and k .. "_us" or k
      if x ~= 0 then spec[field] = x end
    end
  end
  return spec
end

-- The impairments of opts (other keys left alone), or nil when none.
function M.pick(opts)
  local t
  for k, v in pairs(opts or {}) do
    if IS_KEY[k] then t = t or {}; t[k] = v end
  end
  return t
end

-- What core's ns:impairment returns, as a user writes it.
function M.describe(t)
  local parts = {}
  local function ms(us)
    if us % 1000 == 0 then return ("%dms"):format(us // 1000) end
    return ("%gms"):format(us / 1000)
  end
  if t.delay_us then parts[#parts + 1] = "delay " .. ms(t.delay_us) end
  if t.jitter_us then parts[#parts + 1] = "jitter " .. ms(t.jitter_us) end
  for _, k in ipairs { "loss", "duplicate", "reorder", "corrupt" } do
    if t[k] then parts[#parts + 1] = ("%s %g%%"):format(k, math.floor(t[k] * 1000 + 0.5) / 1000) end
  end
  if t.rate then
    local r = t.rate
    local s = r % 1000000000 == 0 and ("%dgbit"):format(r // 1000000000)
      or r % 1000000 == 0 and ("%dmbit"):format(r // 1000000)
      or r % 1000 == 0 and ("%dkbit"):format(r // 1000) or ("%dbit"):format(r)
    parts[#parts + 1] = "rate " .. s
  end
  if t.limit then parts[#parts + 1] = "limit " .. t.limit end
  return table.concat(parts, " ")
end

return M
