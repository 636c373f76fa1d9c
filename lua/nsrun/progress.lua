-- nsrun.progress: on a terminal, long builds show their progress on one
-- line of stderr (phase, done/total, rate, time left); nothing when stderr
-- is not a terminal.  The summary at the end is printed either way.
local core = require "nsrun.core"

local M = {}
local tty = core.isatty(2)
local INTERVAL = 0.25   -- seconds between updates

local function show(lab, phase, text, done, total)
  local now = core.now()
  local p = lab.progress
  if not p or p.phase ~= phase then
    p = { phase = phase, start = now, last = now }
    lab.progress = p
    return                    -- nothing to show in the first instant
  end
  if now - p.last < INTERVAL then return end
  p.last = now
  local rate = done / math.max(now - p.start, 1e-3)
  local left = total and rate > 0 and done < total and (", %.0f s left"):format((total - done) / rate) or ""
  io.stderr:write(("\r\27[Knsrun: %s: %s %s, %.0f/s%s"):format(lab.name, phase, text, rate, left))
  p.shown = true
end

-- build(lab): nodes and links made so far (of the generators' totals)
function M.build(lab)
  if not tty or lab.dry then return end
  local t = lab.total
  local n, l = #lab.order, #lab.links
  local text = t and ("%d/%d nodes, %d/%d links"):format(n, t.nodes, l, t.links)
    or ("%d nodes, %d links"):format(n, l)
  show(lab, "building", text, n + l, t and t.nodes + t.links)
end

-- update(lab, phase, done [, total]): addresses, routes
function M.update(lab, phase, done, total)
  if not tty or lab.dry then return end
  show(lab, phase, total and ("%d/%d"):format(done, total) or tostring(done), done, total)
end

-- done(lab): clear the line
function M.clear(lab)
  if lab.progress and lab.progress.shown then io.stderr:write("\r\27[K") end
  lab.progress = nil
end

return M
