# Bad input: one clear error naming the script line and the object, exit 1,
# and nothing left behind.  Each case: a script body | the message expected.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

cases=(
'lab:node("a/b")|bad.lua:3: node name "a/b": may hold only letters'
'lab:node("..")|bad.lua:3: node name "..": starts with'
'lab:node("")|bad.lua:3: node name "": empty'
'lab:node("ok"); lab:node("ok")|bad.lua:3: node ok exists already in lab bad'
'local a = lab:node("ea"); lab:link(a, "averyveryverylongname", lab:node("eb"))|bad.lua:3: interface "averyveryverylongname" in ea: name longer than 15 bytes'
'local a = lab:node("ea"); a:addr("eth9", "192.0.2.1/24")|bad.lua:3: interface eth9 in ea: No such device'
'local a, b = lab:node("ea"), lab:node("eb"); lab:link(a, b); a:addr("eth0", "192.0.2.300/24")|bad.lua:3: address "192.0.2.300/24" on eth0 in ea: not an IPv4 or IPv6 address'
'local a, b = lab:node("ea"), lab:node("eb"); lab:link(a, b); a:addr("eth0", "192.0.2.1/33")|bad.lua:3: address "192.0.2.1/33" on eth0 in ea: prefix length is not 0..32'
'local a, b = lab:node("ea"), lab:node("eb"); lab:link(a, b); a:addr("eth0", "192.0.2.1/24"); a:addr("eth0", "192.0.2.1/24")|bad.lua:3: address 192.0.2.1/24 on eth0 in ea: File exists'
'local a = lab:node("ea"); a:route("192.0.2.1/24", { via = "192.0.2.254" })|bad.lua:3: route 192.0.2.1/24 in ea: host bits set (the network is 192.0.2.0/24)'
'local a = lab:node("ea"); a:route("198.51.100.0/24", { via = "192.0.2.254" })|bad.lua:3: route 198.51.100.0/24 in ea: gateway 192.0.2.254 is not on a subnet of any interface there: Network is unreachable'
'local a, b = lab:node("ea"), lab:node("eb"); lab:link(a, b); a:addr("eth0", "10.8.1.1/24"); a:route("198.51.100.0/24", { via = "10.8.0.1", dev = "eth0" })|bad.lua:3: route 198.51.100.0/24 in ea: gateway 10.8.0.1 is not on a subnet of eth0: Network is unreachable'
'local a = lab:node("ea"); lab:link(a, "eth0", lab:node("eb"), "eth0"); lab:link(a, "eth0", lab:node("ec"))|bad.lua:3: interface eth0 exists already in ea'
'lab:link("x", "y")|bad.lua:3: bad argument #1 to '"'"'link'"'"' (node or bridge expected, got string)'
'lab:node("ea"):sysctl("kernel.hostname", "x")|bad.lua:3: sysctl "kernel.hostname" in ea: not a net.* key'
'lab:node("ea"):exec({ "/nonexistent/cmd" })|bad.lua:3: run /nonexistent/cmd in ea: No such file or directory'
'lab:node("ea"); error("the script gave up")|bad.lua:3: the script gave up'
'lab:node("ea"); os.exit(false)|script exited with status 1'
'lab:node("ea") lab:node(|bad.lua:4: unexpected symbol near <eof>'
'lab:attach("ea", { pid = 999999999 })|bad.lua:3: attach ea to pid 999999999: No such process'
'lab:node(42)|bad.lua:3: bad argument #1 to '"'"'node'"'"' (string expected, got number)'
'lab:host({})|bad.lua:3: bad argument #1 to '"'"'host'"'"' (string expected, got table)'
'lab:router(nil)|bad.lua:3: bad argument #1 to '"'"'router'"'"' (string expected, got nil)'
'lab:node("a b")|bad.lua:3: node name "a b": may hold only letters'
'lab:node("-x")|bad.lua:3: node name "-x": starts with'
'lab:node(("x"):rep(65))|longer than 64 bytes'
'lab:bridge("br/0")|bad.lua:3: bridge "br/0": name contains'
'lab:bridge("averyveryverylongbridge")|bad.lua:3: bridge "averyveryverylongbridge": name longer than 15 bytes'
'lab:bridge(7)|bad.lua:3: bad argument #1 to '"'"'bridge'"'"' (string expected, got number)'
'lab:link(lab:node("ea"), "eth0", {}, "eth0")|bad.lua:3: bad argument #3 to '"'"'link'"'"' (node or bridge expected, got table)'
'lab:link(lab:node("ea"), "x y", lab:node("eb"))|bad.lua:3: interface "x y" in ea: name contains'
'local a = lab:node("ea"); lab:link(a, "eth0", a, "eth0")|bad.lua:3: link ea: both ends are eth0'
'lab:node("ea"):addr("lo", 12)|bad.lua:3: bad argument #2 to '"'"'addr'"'"' (string expected, got number)'
'lab:node("ea"):addr("lo", "")|bad.lua:3: address "" on lo in ea: not an address'
'lab:node("ea"):addr("lo", "10.0.0.1/")|bad.lua:3: address "10.0.0.1/" on lo in ea: prefix length is not 0..32'
'lab:node("ea"):addr("lo", "fe80::zz/64")|bad.lua:3: address "fe80::zz/64" on lo in ea: not an IPv4 or IPv6 address'
'lab:node("ea"):route("default", 5)|bad.lua:3: bad argument #2 to '"'"'route'"'"''
'lab:node("ea"):route("10.0.0.0/8", {})|bad.lua:3: route 10.0.0.0/8 in ea: a next hop needs via or dev'
'lab:node("ea"):route("10.0.0.0/33", { via = "10.0.0.1" })|bad.lua:3: route "10.0.0.0/33" in ea: prefix length is not 0..32'
'lab:node("ea"):route("10.0.0.0/8", { via = "10.0.0.1/24" })|bad.lua:3: route 10.0.0.0/8 in ea: gateway "10.0.0.1/24": has a prefix length'
'lab:node("ea"):set("lo", "up")|bad.lua:3: bad argument #2 to '"'"'set'"'"' (table expected)'
'lab:node("ea"):set("lo", { mac = "zz" })|bad.lua:3: link lo in ea: "zz" is not a MAC address'
'lab:node("ea"):sysctl("net/../kernel/x", 1)|bad.lua:3: sysctl "net/../kernel/x" in ea: not a net.* key'
'lab:node("ea"):exec({})|bad.lua:3: bad argument #1 to '"'"'exec'"'"' (command string or argv table expected)'
'lab:attach("ea", { pid = "x" })|bad.lua:3: bad argument #2 to '"'"'attach'"'"' ({ pid = N } or { docker = name } expected)'
'lab:container("c1", {})|bad.lua:3: bad argument #2 to '"'"'container'"'"' ({ image = ... } expected)'
'nsrun.lab("x/y")|bad.lua:3: lab name "x/y": may hold only letters'
'nsrun.lab("x2", { prefix = 5 })|bad.lua:3: bad argument #2 to '"'"'lab'"'"' (prefix must be a string)'
'lab:router("ea"):addr("lo", "10.9.0.1/32"); lab:router("eb"):addr("lo", "10.9.0.1/32"); lab:autoaddr()|bad.lua:3: address 10.9.0.1 is on both ea:lo and eb:lo'
'lab:linear(2); lab:autoaddr { segments = "10.0.0.1/16" }|bad.lua:3: 10.0.0.1/16: host bits set'
'lab:fattree(3)|bad.lua:3: fattree: k must be even, got 3'
'lab:leafspine { spines = 0 }|bad.lua:3: leafspine: spines must be an integer >= 1, got 0'
'lab:expect(nil)|bad.lua:3: bad argument #1 to '"'"'expect'"'"''
'lab:expect(lab:node("ea")):reaches(nil)|bad.lua:3: bad argument #1 to '"'"'reaches'"'"''
'lab:expect(lab:node("ea")):reaches(lab:node("eb"))|bad.lua:3: node eb has no address to ping'
'lab:ping("x", "y")|bad.lua:3: bad argument #1 to '"'"'ping'"'"' (node expected)'
'lab:node("ea"); local t = nil; t.x = 1|bad.lua:3: attempt to index a nil value'
'lab:node("ea"); local function f() return 1 + f() end; f()|stack overflow'
'lab:node("ea"):set("lo", { mtu = "x" })|bad.lua:3: field '"'"'mtu'"'"' must be an integer, got string'
'lab:node("ea"):set("lo", { mtu = 9 })|bad.lua:3: mtu 9 is not 68..65535'
'lab:node("ea"):route("10.0.0.0/8", { dev = "lo" }, { metric = 1.5 })|bad.lua:3: field '"'"'metric'"'"' must be an integer, got 1.5'
'lab:node("ea"):route("10.0.0.0/8", { { dev = "lo", weight = "heavy" } })|bad.lua:3: field '"'"'weight'"'"' must be an integer'
'lab:node("ea"):exec({ "ls", {} })|bad.lua:3: a command'"'"'s words must be strings: word 2 is a table'
)

for c in "${cases[@]}"; do
  body=${c%%|*} want=${c#*|}
  printf 'local nsrun = require "nsrun"\nlocal lab = nsrun.lab "bad"\n%s\n' "$body" >"$tmp/bad.lua"
  out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1)
  rc=$?
  if [ $rc -ne 1 ]; then fail "exit $rc, not 1, for: $body ($out)"
  elif [[ $out != *"$want"* ]]; then fail "for: $body
    want: $want
    got:  $out"
  else pass "$want"; fi
  expect_clean "after: $body"
done

# a misspelt method: one line at the script's line, naming the object and
# the closest real method
printf 'local nsrun = require "nsrun"\nlocal lab = nsrun.lab "bad"\nlocal r = lab:rooter "r1"\n' >"$tmp/bad.lua"
out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == "nsrun: bad.lua:3: lab bad has no method 'rooter' (did you mean lab:router?)"* ]] \
  && [[ $out != *traceback* ]] && pass "a misspelt method: $out" || fail "misspelt method: exit $rc: $out"
expect_clean "after a misspelt method"
# a node's name where an address was expected is the node; an unknown one is said
printf 'local nsrun = require "nsrun"\nlocal lab = nsrun.lab "bad"\nlocal a, b = lab:host "ea", lab:host "eb"\nlab:link(a, b)\na:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")\nassert(lab:expect(a):reaches("eb").ok)\nlab:expect(a):reaches("nub")\n' >"$tmp/bad.lua"
out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *'bad.lua:7: "nub" is neither an address nor a node of lab bad'* ]] \
  && pass "reaches(\"eb\") is the node eb; reaches(\"nub\"): $out" || fail "a name as a target: exit $rc: $out"
expect_clean "after a name as a target"

# os.exit(n) midway: the lab removed, and nsrun exits n, as lua does
printf 'local lab = require("nsrun").lab "bad"\nlab:node "ea"\nos.exit(77)\n' >"$tmp/bad.lua"
out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1); rc=$?
if [ $rc = 77 ] && [[ $out == *"script exited with status 77"*"removed lab bad"* ]]; then
  pass "os.exit(77): exit 77, the lab removed"
else fail "os.exit(77): exit $rc: $out"; fi
expect_clean "after os.exit(77)"
printf 'local lab = require("nsrun").lab "good"\nlab:node "eg"\nos.exit(0)\n' >"$tmp/good.lua"
out=$(cd "$tmp" && "$NSRUN" good.lua 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"lab good is up"* ]]; then pass "os.exit(0): a success, the lab up"
else fail "os.exit(0): exit $rc: $out"; fi
check "nsrun destroy good" "$NSRUN" destroy good

# not root: a clear error, nothing made
printf 'local lab = require("nsrun").lab "notroot"\nlab:node "nr-a"\n' >"$tmp/nr.lua"
chmod 755 "$tmp"; chmod 644 "$tmp/nr.lua"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$NSRUN" "$tmp/nr.lua" 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"nr.lua:1: nsrun needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"*"sudo"* ]]; then pass "not root: $out"
else fail "not root: exit $rc: $out"; fi
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$NSRUN" list 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "nsrun: nsrun needs root to read the labs in /run/nsrun (run it with sudo)" ] \
  && pass "nsrun list, not root: one line, exit 1" || fail "list not root: exit $rc: $out"
chmod 777 "$tmp"
out=$(cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups "$NSRUN" graph "$OLDPWD/scenarios/home.lua" --svg "$tmp/home.svg" 2>&1); rc=$?
chmod 755 "$tmp"
[ $rc = 0 ] && grep -q '<svg' "$tmp/home.svg" && pass "nsrun graph SCRIPT --svg, not root: drawn (dot runs where nsrun does)" \
  || fail "graph --svg not root: exit $rc: $out"
expect_clean "after not root"

# a journal that is torn or corrupt: destroy removes what it can read, says so
"$NSRUN" scenarios/levels.lua >/dev/null
printf 'garbage line\nns ../etc\nproc 1 0\nlink - \nns levelz' >>/run/nsrun/levels/journal
out=$("$NSRUN" destroy levels 2>&1)
rc=$?
if [ $rc = 0 ] && [[ $out == *"5 unreadable lines"* ]]; then pass "a corrupt journal: destroyed, and said so"
else fail "corrupt journal: exit $rc: $out"; fi
expect_clean "after a corrupt journal"

# Names already taken are all found before anything is made (the pre-flight
# pass): with --keep nothing is left either, since nothing was made.
ip netns add pf-b
ip link add pf-br type veth peer name pf-brp
printf 'local lab = require("nsrun").lab "pf"\nlocal a = lab:node "pf-a"\nlocal b = lab:node "pf-b"\nlab:link(a, b)\nlocal br = lab:bridge "pf-br"\nlab:link(lab:node "pf-c", br)\n' >"$tmp/pf.lua"
out=$(cd "$tmp" && "$NSRUN" --keep pf.lua 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"pf.lua:3: namespace pf-b exists already (not made by nsrun)"* ]] \
   && [[ $out == *"pf.lua:5: interface pf-br in host exists already"* ]] \
   && [[ $out == *"nothing was made: 2 names"* ]] && ! ip netns list | grep -q '^pf-a' \
   && [ ! -e /run/nsrun/pf ]; then pass "pre-flight: both taken names reported with their lines, nothing made"
else fail "pre-flight: exit $rc: $out"; fi
"$NSRUN" scenarios/levels.lua >/dev/null
printf 'local lab = require("nsrun").lab "pf"\nlab:node "levela"\n' >"$tmp/pf2.lua"
out=$(cd "$tmp" && "$NSRUN" pf2.lua 2>&1)
if [ $? = 1 ] && [[ $out == *"pf2.lua:2: namespace levela exists already (made by lab levels: \`nsrun destroy levels\`)"* ]]
then pass "pre-flight: the owner of a taken name is named"
else fail "pre-flight owner: $out"; fi
out=$(cd "$tmp" && "$NSRUN" --no-preflight pf2.lua 2>&1)
if [ $? = 1 ] && [[ $out == *"pf2.lua:2: namespace levela exists already (made by lab levels"* ]] && [ ! -e /run/nsrun/pf ]
then pass "--no-preflight: the same error when the object is reached, rolled back"
else fail "--no-preflight: $out"; fi
printf 'local lab = require("nsrun").lab "pf"\nlab:node "levela"; lab:node "levelb"; lab:node "levelc"\n' >"$tmp/pf3.lua"
out=$(cd "$tmp" && "$NSRUN" pf3.lua 2>&1)
if [ $? = 1 ] && [ "$(echo "$out" | wc -l)" = 2 ] \
   && [[ $out == *"lab levels is up and holds 3 of the names this script needs (the first: pf3.lua:2: namespace levela exists already"*"\`nsrun destroy levels\` removes it"*"nothing was made: 3 names"* ]]
then pass "pre-flight: names held by one lab are one line"
else fail "pre-flight grouped: $out"; fi
"$NSRUN" destroy levels >/dev/null
ip netns del pf-b
ip link del pf-br
expect_clean "after the pre-flight cases"

# out of open files: a namespace fd and a netlink socket per node, under a
# hard limit nsrun may not raise (no CAP_SYS_RESOURCE): the limit named
printf 'local lab = require("nsrun").lab "fd"\nfor i = 1, 80 do lab:node("fd-" .. i) end\n' >"$tmp/fd.lua"
out=$(bash -c "ulimit -n 96 && exec setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource '$NSRUN' '$tmp/fd.lua'" 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"fd.lua:2: "*"Too many open files (this process's limit of open files, ulimit -n, is 96; root may raise it up to fs.nr_open)"* ]] \
   && ! ip netns list | grep -q '^fd-'
then pass "out of open files: EMFILE named with the limit, at the script's line, nothing left"
else fail "EMFILE: exit $rc: $out"; fi

# a lab whose two descriptors per node pass the limit still builds: the
# netlink sockets used longest ago are closed and opened again on use
printf 'local lab = require("nsrun").lab "lowfd"\nlocal t = lab:leafspine { spines = 4, leaves = 8, hosts = 10 }\nlab:autoaddr()\nlab:autoroute()\nlab:expect(t.hosts):reaches(t.hosts, { sample = 300 })\n' >"$tmp/lowfd.lua"
out=$(bash -c "ulimit -n 200 && exec setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource '$NSRUN' --rm '$tmp/lowfd.lua'" 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"ok   80 nodes reach 80 nodes (300 pairs"* ]] && ! ip netns list | grep -q '^lowfd\|^leaf1'
then pass "92 namespaces under a limit of 200 open files: built, routed, reached (sockets reopened)"
else fail "low limit: exit $rc: $out"; fi

# usage errors exit 2
"$NSRUN" --no-such-option >/dev/null 2>&1; [ $? = 2 ] && pass "unknown option: exit 2" || fail "unknown option exit"
"$NSRUN" >/dev/null 2>&1; [ $? = 2 ] && pass "no script: exit 2" || fail "no script exit"
out=$("$NSRUN" /nonexistent.lua 2>&1); [ $? = 1 ] && [[ $out == *"cannot open /nonexistent.lua"* ]] \
  && pass "missing script" || fail "missing script: $out"
finish
