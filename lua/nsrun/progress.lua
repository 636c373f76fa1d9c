-- nsrun.progress: on a terminal, long builds show their progress on one
-- line of stderr (phase, done/total, rate, time left); nothing when stderr
-- is not a terminal.  The summary at the end is printed either way.
local core = require "nsrun.core"

local M = {}
local tty = core.isatty(2)
local INTERVAL = 0.25   -- seconds between updates

-- update(lab, phase, done [, total]): throttled; total may be unknown
function M.update(lab, phase, done, total)
  if not tty or lab.dry then return end
  local now = core.now()
  local p = lab.progress
  if not p or p.phase ~= phase then
    p = { phase = phase, start = now, last = 0 }
    lab.progress = p
  end
  if now - p.last < INTERVAL and done ~= total then return end
  p.last = now
  local rate = done / math.max(now - p.start, 1e-3)
  local s = ("\r\27[Knsrun: %s: %s %d"):format(lab.name, phase, done)
  if total then
    s = s .. ("/%d"):format(total)
    if rate > 0 and done < total then s = s .. (", %.0f s left"):format((total - done) / rate) end
  end
  io.stderr:write(s, (", %.0f/s"):format(rate))
  p.shown = true
end

-- done(lab): clear the line
function M.clear(lab)
  if lab.progress and lab.progress.shown then io.stderr:write("\r\27[K") end
  lab.progress = nil
end

return M
