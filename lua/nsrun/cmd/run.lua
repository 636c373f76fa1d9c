-- nsrun SCRIPT [ARG...]: run a scenario; its labs stay up (--rm: removed).
local script = require "nsrun.script"
local report = require "nsrun.report"
local util = require "nsrun.util"

local eprintf = util.eprintf

local M = {
  usage = "nsrun [--rm [--wait] | --keep] [--no-preflight] [--hosts A,B,...] [--mtu-policy clamp|refuse] SCRIPT [ARG...]",
  summary = "run a scenario; its lab stays up",
}

-- "1 node", "3 nodes"
local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or many or one .. "s")
end

-- What a user reads when a script ends: the lab's counts, the time of each
-- phase, and how to explore and remove it.
local function hints(lab, removing)
  local s = lab:summary()
  local t = {}
  for _, phase in ipairs { "build", "addresses", "routes", "daemons", "check" } do
    if s.times[phase] then t[#t + 1] = ("%s %.2f s"):format(phase, s.times[phase]) end
  end
  local state = lab.dry and "(dry: nothing was made)" or removing and "was up" or "is up"
  print(("lab %s %s: %s, %s, %s, %s (%.2f s%s)")
    :format(lab.name, state, plural(s.nodes, "node"), plural(s.links, "link"),
      plural(s.addresses, "address", "addresses"), plural(s.routes, "route"), s.seconds,
      #t > 0 and ": " .. table.concat(t, ", ") or ""))
  if lab.dry or removing then return end
  local first = lab.order[1]
  if first then
    print(("  explore: ip netns exec %s ip route"):format(first.nsname))
  end
  for _, node in ipairs(lab.order) do   -- the first node that runs daemons
    if node.daemon then
      print(("  daemons: nsrun exec %s %s -- %s"):format(lab.name, node.name,
        node.daemon.kind == "frr" and "vtysh" or "birdc"))
      break
    end
  end
  print(("  remove:  nsrun destroy %s"):format(lab.name))
end

function M.run(path, list, opts)
  if opts.hosts then return require("nsrun.machines").run(path, list, opts) end
  local why, hosts = script.preflight(path, list, opts)
  if hosts then   -- the script's lab names its machines
    opts.hosts = hosts
    return require("nsrun.machines").run(path, list, opts)
  end
  if why then eprintf("nsrun: %s\n", why:gsub("\n", "\nnsrun: ")) return 1 end
  local ok, e, status = script.execute(path, list)
  local labs, results = script.opened_since(1)
  if ok then ok, e = script.containers_running(labs) end
  if not ok then
    eprintf("nsrun: %s\n", e)
    if opts.keep then script.keep(labs, "for debugging (--keep)")
    else script.teardown(labs, "the script failed", opts.wait) end
    -- os.exit(n): the script's own status (77 "skipped", say), as lua.c
    status = math.tointeger(status)
    return status and status > 0 and status < 256 and status or 1
  end
  if #results > 0 then report.text({ { results = results } }, io.stdout) end
  for _, lab in ipairs(labs) do
    if not lab.destroyed then
      if not opts.rm then lab:save() end
      hints(lab, opts.rm)
    end
  end
  if opts.rm and not script.teardown(labs, "--rm", opts.wait) then return 1 end
  for _, r in ipairs(results) do if not r.ok then return 1 end end
  return 0
end

return M
