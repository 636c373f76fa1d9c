-- The tutorial's three levels of namespaces, exactly:
--   host: veth0a  <->  levela: veth1a (172.16.1.0/24)
--   levela: veth0b <-> levelb: veth1b (10.1.1.1/24)
--   levelb: veth0c <-> levelc: veth1c (192.168.1.1/24)
-- then: ip netns exec levela ip route list
local nsrun = require "nsrun"
local args = args or {}   -- set by the nsrun interpreter; empty under plain lua5.4
local lab = nsrun.lab("levels", { prefix = args.prefix })

local levela = lab:node "levela"
local levelb = lab:node "levelb"
local levelc = lab:node "levelc"

lab:link(lab.root, "veth0a", levela, "veth1a")   -- veth0a stays in the host
lab:link(levela, "veth0b", levelb, "veth1b")
lab:link(levelb, "veth0c", levelc, "veth1c")

levela:addr("veth1a", "172.16.1.0/24")
levelb:addr("veth1b", "10.1.1.1/24")
levelc:addr("veth1c", "192.168.1.1/24")

-- What the tutorial shows, read back from the kernel: each level's
-- network and route (`ip netns exec levela ip route list`), and the chain
-- of veth pairs -- host to levela to levelb to levelc
local function want(node, cmd, text)
  local out = node:exec(cmd).stdout:gsub("[ \t]+\n", "\n")
  if not out:find(text, 1, true) then
    nsrun.fail(("%s: `%s` shows %q, the tutorial %q"):format(node.name, cmd, out, text))
  end
end
want(levela, "ip route list", "172.16.1.0/24 dev veth1a proto kernel scope link src 172.16.1.0\n")
want(levelb, "ip route list", "10.1.1.0/24 dev veth1b proto kernel scope link src 10.1.1.1\n")
want(levelc, "ip route list", "192.168.1.0/24 dev veth1c proto kernel scope link src 192.168.1.1\n")
want(levela, "ip -o link show veth0b", "link-netns " .. levelb.nsname)
want(levelb, "ip -o link show veth0c", "link-netns " .. levelc.nsname)
want(levelb, "ip -o link show veth1b", "link-netns " .. levela.nsname)

-- and, as in the tutorial, no routes between them: each level is on its
-- own (no packet leaves it: it has no route to send one)
lab:expect(levela):does_not_reach "10.1.1.1"
lab:expect(levelb):does_not_reach "192.168.1.1"
lab:expect(levelc):does_not_reach "172.16.1.0"
