-- nsrun diff A B: what changed from snapshot A to snapshot B (files that
-- `nsrun snapshot` wrote), one line per change.  Exit status as diff(1)
-- has it: 0 the same, 1 different, 2 trouble (a missing or corrupt file).
local util = require "nsrun.util"
local snapshot = require "nsrun.snapshot"

local M = {
  usage = "nsrun diff A B",
  summary = "what changed between two snapshots",
}

function M.run(argv)
  if #argv ~= 2 then return require("nsrun.cli").usage_error("diff", "two snapshot files") end
  local a, why = snapshot.read(argv[1])
  if not a then util.eprintf("nsrun diff: %s\n", why) return 2 end
  local b
  b, why = snapshot.read(argv[2])
  if not b then util.eprintf("nsrun diff: %s\n", why) return 2 end
  local lines = snapshot.diff(a, b)
  for _, l in ipairs(lines) do print(l) end
  return #lines > 0 and 1 or 0
end

return M
