# Bad input: one clear error naming the script line and the object, exit 1,
# and nothing left behind.  Each case: a script body | the message expected.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
'local a = lab:node("ea"); a:route("198.51.100.0/24", { via = "192.0.2.254" })|bad.lua:3: route 198.51.100.0/24 in ea: Network is unreachable'
'local a = lab:node("ea"); lab:link(a, "eth0", lab:node("eb"), "eth0"); lab:link(a, "eth0", lab:node("ec"))|bad.lua:3: interface eth0 exists already in ea'
'lab:link("x", "y")|bad.lua:3: bad argument #1 to '"'"'link'"'"' (node or bridge expected, got string)'
'lab:node("ea"):sysctl("kernel.hostname", "x")|bad.lua:3: sysctl "kernel.hostname" in ea: not a net.* key'
'lab:node("ea"):exec({ "/nonexistent/cmd" })|bad.lua:3: run /nonexistent/cmd in ea: No such file or directory'
'lab:node("ea"); error("the script gave up")|bad.lua:3: the script gave up'
'lab:node("ea"); os.exit(3)|script exited with status 3'
'lab:node("ea") lab:node(|bad.lua:4: unexpected symbol near <eof>'
'lab:attach("ea", { pid = 999999999 })|bad.lua:3: attach ea to pid 999999999: No such process'
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

# usage errors exit 2
"$NSRUN" --no-such-option >/dev/null 2>&1; [ $? = 2 ] && pass "unknown option: exit 2" || fail "unknown option exit"
"$NSRUN" >/dev/null 2>&1; [ $? = 2 ] && pass "no script: exit 2" || fail "no script exit"
out=$("$NSRUN" /nonexistent.lua 2>&1); [ $? = 1 ] && [[ $out == *"cannot open /nonexistent.lua"* ]] \
  && pass "missing script" || fail "missing script: $out"
finish
