# SIGKILL nsrun in the middle of building a fabric, then `nsrun destroy`:
# nothing is left (namespaces, host links, mounts, state, processes).
. "$(dirname "$0")/lib.sh"

# 20 kills at random moments of a ~400-namespace build (seeded: repeatable)
RANDOM=42
for _ in $(seq 20); do
  delay=$(printf '0.%03d' $((RANDOM % 900 + 10)))
  "$NSRUN" scenarios/datacenter.lua spines=4 leaves=40 hosts=8 >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n=$(ip netns list | wc -l)
  "$NSRUN" destroy dc >/dev/null 2>&1
  expect_clean "after SIGKILL at ${delay}s ($n namespaces made) and destroy"
done

# SIGINT and SIGTERM during a build: nsrun tears down by itself, exit 1.
# The script would build a chain of 100,000 nodes; the signal comes once 50
# namespaces exist, so it always lands mid-build, however fast the build.
printf '%s\n' 'local lab = require("nsrun").lab "sig"' 'local prev = lab:host "sg0"' \
  'for i = 1, 100000 do local h = lab:host("sg" .. i); lab:link(prev, h); prev = h end' \
  >"${TMPDIR:-/tmp}/sig.lua"
for sig in INT TERM; do
  "$NSRUN" "${TMPDIR:-/tmp}/sig.lua" >/dev/null 2>"${TMPDIR:-/tmp}/sig.err" &
  pid=$!
  for _ in $(seq 200); do
    [ "$(ls /run/netns | grep -c '^sg')" -ge 50 ] && break
    sleep 0.05
  done
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  err=$(cat "${TMPDIR:-/tmp}/sig.err")
  if [ $rc = 1 ] && [[ $err == *"interrupted"*"removed lab sig"* ]]; then pass "SIG$sig mid-build: exit 1, the lab removed"
  else fail "SIG$sig: exit $rc: $err"; fi
  expect_clean "after SIG$sig (no destroy needed)"
done
# nsrun destroy while the lab is still being built: refused (its builder
# holds the journal), naming the builder; --force ends the builder, which
# tears its lab down, and nothing is left -- no namespace that no lab owns.
"$NSRUN" "${TMPDIR:-/tmp}/sig.lua" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ "$(ls /run/netns | grep -c '^sg')" -ge 50 ] && break
  sleep 0.05
done
out=$("$NSRUN" destroy sig 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"lab sig is being built by pid $pid, which still runs"*"--force"* ]] && kill -0 $pid 2>/dev/null
then pass "destroy of a lab being built: refused, the builder named"
else fail "destroy of a lab being built: exit $rc: $out"; fi
out=$("$NSRUN" destroy --all 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"being built"* ]] && pass "destroy --all refuses it too" || fail "destroy --all: exit $rc: $out"
out=$("$NSRUN" destroy --force sig 2>&1); rc=$?
wait $pid 2>/dev/null
[ $rc = 0 ] && ! kill -0 $pid 2>/dev/null && pass "destroy --force: the builder ended, the lab destroyed ($out)" \
  || fail "destroy --force: exit $rc: $out"
expect_clean "after destroy --force of a lab being built"
rm -f "${TMPDIR:-/tmp}/sig.lua" "${TMPDIR:-/tmp}/sig.err"

# a background process started in a lab is ended at destroy, by PID
printf '%s\n' 'local lab = require("nsrun").lab "procs"' \
  'local n = lab:node "pr-a"' 'n:spawn { "sleep", "300" }' >"${TMPDIR:-/tmp}/procs.lua"
"$NSRUN" "${TMPDIR:-/tmp}/procs.lua" >/dev/null
sp=$(ip netns pids pr-a 2>/dev/null | head -1)
if [ -n "$sp" ] && kill -0 "$sp" 2>/dev/null; then pass "spawned sleep runs in pr-a (pid $sp)"
else fail "no process in pr-a"; fi
check "destroy procs" "$NSRUN" destroy procs
sleep 0.2
# (a zombie waiting for its new parent to reap it has ended)
state=$(ps -o stat= -p "$sp" 2>/dev/null)
if [ -n "$state" ] && [ "${state#Z}" = "$state" ]; then fail "pid $sp survived destroy ($state)"
else pass "the process ended with the lab"; fi
rm -f "${TMPDIR:-/tmp}/procs.lua"
expect_clean "after the process lab"
finish
