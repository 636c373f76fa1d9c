-- nsrun.cli: the command line of the nsrun interpreter: its options, and
-- one subcommand per file under nsrun/cmd/, each with its usage and run.
local nsrun = require "nsrun"
local util = require "nsrun.util"

local eprintf = util.eprintf

local M = {}

-- The subcommands in the order usage lists them; "run" is SCRIPT itself.
local ORDER = { "run", "test", "list", "destroy", "exec", "inspect", "graph", "impair", "fail",
  "snapshot", "diff", "path" }

local function command(name) return require("nsrun.cmd." .. name) end

-- A subcommand's usage line (one line in its file, as the man page's
-- SYNOPSIS has it), wrapped at 79 columns, continued under its arguments.
local function wrap(first, text)
  local lines, line = {}, first
  local indent = (" "):rep(#first + #(text:match("^nsrun %l+") or "nsrun") + 1)
  for word in text:gmatch("%S+") do
    if #line + 1 + #word > 79 and #line > #indent then
      lines[#lines + 1] = line
      line = indent .. " " .. word
    else
      line = line .. " " .. word
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

-- The usage of every subcommand (nsrun --help), or of one.
function M.usage(name)
  if name then return wrap("usage:", command(name).usage) end
  local lines = {}
  for i, n in ipairs(ORDER) do
    local c = command(n)
    lines[#lines + 1] = wrap(i == 1 and "usage:" or "      ", c.usage)
    lines[#lines + 1] = "                                   " .. c.summary
  end
  return table.concat(lines, "\n") .. [[

       nsrun --help | --version

Run as root.  SCRIPT sees its arguments as `arg` (the raw list, as lua does)
and `args` (key=value pairs parsed: nsrun datacenter.lua spines=4 gives
args.spines == 4).

options:
  --rm      destroy the script's labs when it ends
  --keep    keep the labs even when the script fails (to debug them)
  --wait    when nsrun removes the labs (--rm, a failed script), return only
            once the kernel has freed them: the next lab builds at full speed
  --no-preflight
            skip the dry rehearsal that first looks for names already taken
            (namespaces, host interfaces, labs) and, if any, makes nothing
  --hosts A,B,...
            one lab across these machines (ssh destinations; default:
            $NSRUN_HOSTS): each runs its part, the links between them are
            VXLAN; list, destroy, exec and inspect ask every machine
  --mtu-policy clamp|refuse
            across machines, when the underlay's MTU minus 50 is below the
            lab's: lower the lab's links to it (clamp, the default) or refuse

exit status: 0 success; 1 the script, an operation or an expectation failed;
2 bad usage.  nsrun exec: the command's status (one node); 1 if any failed.
nsrun test: 0 all expectations hold, 1 one failed, 2 a scenario could not run.
]]
end

-- usage_error(name [, message]) -> 2, after printing the message and the
-- subcommand's usage line
function M.usage_error(name, message)
  if message then eprintf("nsrun %s: %s\n", name, message) end
  eprintf("%s\n", M.usage(name))
  return 2
end

function M.main(argv)
  local i, opts = 1, {}
  while argv[i] and argv[i]:sub(1, 1) == "-" do
    local o = argv[i]
    if o == "--help" or o == "-h" then io.write(M.usage()) return 0
    elseif o == "--version" or o == "-V" then print("nsrun " .. nsrun.version) return 0
    elseif o == "--rm" then opts.rm = true
    elseif o == "--keep" then opts.keep = true
    elseif o == "--wait" then opts.wait = true
    elseif o == "--no-preflight" then opts.no_preflight = true
    elseif o == "--hosts" or o:find("^%-%-hosts=") then
      local v = o:match("^%-%-hosts=(.*)$")
      if not v then i = i + 1; v = argv[i] end
      if not v then eprintf("nsrun: --hosts needs a list of machines (a,b,c)\n") return 2 end
      opts.hosts_spec = v
    elseif o == "--mtu-policy" or o:find("^%-%-mtu%-policy=") then
      local v = o:match("=(.*)$")
      if not v then i = i + 1; v = argv[i] end
      if v ~= "clamp" and v ~= "refuse" then eprintf("nsrun: --mtu-policy clamp or refuse\n") return 2 end
      opts.mtu_policy = v
    elseif o == "--part" then return require("nsrun.machines").serve()
    else eprintf("nsrun: unknown option %s\n%s", o, M.usage()) return 2 end
    i = i + 1
  end
  local spec = opts.hosts_spec or os.getenv("NSRUN_HOSTS")
  if spec and spec ~= "" then
    local hosts, why = require("nsrun.machines").hosts(spec)
    if not hosts then eprintf("nsrun: %s\n", why) return 2 end
    opts.hosts = hosts
  end
  local cmd = argv[i]
  if not cmd then io.stderr:write(M.usage()) return 2 end
  local rest = table.move(argv, i + 1, #argv, 1, {})
  if opts.hosts and (cmd == "list" or cmd == "destroy" or cmd == "exec" or cmd == "inspect") then
    return require("nsrun.machines").command(cmd, rest, opts)
  end
  for _, name in ipairs(ORDER) do
    if name ~= "run" and cmd == name then return command(name).run(rest, opts) end
  end
  return command("run").run(argv[i], rest, opts)
end

return M
