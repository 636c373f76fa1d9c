-- nsrun.limits: host-wide limits a lab may outgrow.
--   lab:neighbours()
-- The kernel's neighbour table is one for all namespaces
-- (net.ipv4/ipv6.neigh.default.gc_thresh1/2/3, 128/512/1024 by default);
-- a lab with more entries than that loses pings everywhere.  nsrun raises
-- them in the host when a lab needs more, and says so; core/hostlimits.c keeps
-- the values the host had and puts them back when the last lab is gone.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local l2 = require "nsrun.l2"

local Lab = class.Lab

local KERNEL_GC_THRESH3 = 1024   -- the kernel's default

-- nsrun runs in a network namespace of its own (unshare -n): the table's
-- limits are the initial namespace's, and too low there (ERANGE, msg says
-- what they are) or out of reach (ENOENT: past the kernel's default, they
-- may be).  Say what a lost ping may then be.
local function unreachable(lab, need, msg, code)
  if lab.neighbours_said or code == core.errno.ENOENT and need // 2 <= KERNEL_GC_THRESH3 then return end
  lab.neighbours_said = true
  io.stderr:write(("nsrun: lab %s needs ~%d neighbour entries, and nsrun raises the kernel's "
    .. "limits (one table for all namespaces) only from the initial network namespace: %s; "
    .. "below ~%d, pings will be lost (dmesg: neighbor table overflow)\n")
    :format(lab.name, need // 2, msg, need // 2))
end

-- lab:neighbours(): check (and raise) the neighbour table's limits for the
-- lab as it is now; asked again (each check asks) only once it has grown.
function Lab:neighbours()
  require("nsrun.mtu").check(self)
  if self.dry or self.neighbours_for == #self.links or self.part and not self.part.ctx.me then return end
  self.neighbours_for = #self.links
  -- every end of a veth pair learns its peer; every member of a bridged
  -- segment (not the ports) may learn every other
  local need = 0
  for _, seg in ipairs(l2.segments(self)) do
    local m = 0
    for _, i in ipairs(seg.ifs) do if not i.port then m = m + 1 end end
    need = need + m * (m - 1)
  end
  need = need * 2   -- room for other labs and the host
  local raised, want = {}, { need // 4, need // 2, need }
  for _, fam in ipairs { "ipv4", "ipv6" } do
    local base = "net." .. fam .. ".neigh.default.gc_thresh"
    local old = {}
    for i = 3, 1, -1 do   -- the highest first: 1 <= 2 <= 3 at every step
      local was, msg, code = core.host_raise(base .. i, want[i])
      if code == core.errno.ENOENT or code == core.errno.ERANGE then   -- in a namespace of our own
        return unreachable(self, need, msg, code)
      end
      if was == nil then util.fail(msg, code, self.name) end
      old[i] = was
    end
    if old[1] or old[2] or old[3] then
      raised[#raised + 1] = ("net.%s from %s/%s/%s"):format(fam, old[1] or "-", old[2] or "-", old[3] or "-")
    end
  end
  if #raised > 0 then
    io.stderr:write(("nsrun: lab %s needs ~%d neighbour entries: raised the neighbour table "
      .. "limits neigh.default.gc_thresh1/2/3 to %d/%d/%d (%s; host-wide, until the last lab is "
      .. "destroyed)\n"):format(self.name, need // 2, want[1], want[2], want[3],
      table.concat(raised, ", ")))
  end
end

return {}
