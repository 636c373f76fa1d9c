# Shared by the integration tests: run as root, check with iproute2, and
# prove that nothing is left behind.
#
# A test runs in a private network namespace and a private mount namespace
# with its own /run/netns, /run/nsrun and /sys (as bench/run does): what it
# makes, and what it leaves if it fails, is invisible to the host (`ip netns
# list`, `ip link`) and gone with its last process.  Tests that must see the
# host itself (the host-wide neighbour table limits, which exist only in the
# initial namespace) set NSRUN_TEST_HOST=1 before sourcing this file.
#
# Exit status: 0 all checks passed, 1 one failed, 77 the test could not run
# its checks (skipped: a missing tool); .ci/run fails on a skip.
set -u
NSRUN=$(readlink -f "${NSRUN:-build/nsrun}")
fails=0

# skip WHY: this test cannot run its checks here
skip() {
  echo "SKIP: $*"
  exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (real network namespaces)"

if [ -z "${NSRUN_TEST_ISOLATED:-}" ] && [ "${NSRUN_TEST_HOST:-}" != 1 ]; then
  mkdir -p /run/netns && mkdir -p -m 0700 /run/nsrun
  exec unshare --net --mount --propagation private -- env NSRUN_TEST_ISOLATED=1 bash -c '
    mount -t tmpfs -o mode=0755 nsrun-test /run/netns &&
    mount -t tmpfs -o mode=0700 nsrun-test /run/nsrun &&
    mount -t sysfs nsrun-test /sys &&
    ip link set lo up || exit 77
    exec bash "$@"' bash "$0" "$@"
fi

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds; on a
# failure, the command's output follows, indented
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"
  else
    fail "$what (exit $?)"
    [ -n "$out" ] && printf '%s\n' "$out" | head -40 | sed 's/^/    /'
  fi
  return 0
}

# What the host looks like: namespaces, host links, /run/netns, /run/nsrun,
# the host-wide neighbour table limits labs may raise.
snapshot() {
  { ip netns list | awk '{print "netns", $1}'
    ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link", $2 }'
    ls -A /run/netns 2>/dev/null | sed 's/^/mount /'
    ls -A /run/nsrun 2>/dev/null | sed 's/^/state /'
    awk '$5 ~ "^/run/netns/" {print "mounted", $5}' /proc/self/mountinfo
    sysctl net.ipv4.neigh.default.gc_thresh3 net.ipv6.neigh.default.gc_thresh3 2>/dev/null
  } | sort
}

BEFORE=$(snapshot)
LABS_BEFORE=$(ls -A /run/nsrun 2>/dev/null)

# on_exit 'COMMAND': run at exit, before the labs this test left are
# removed.  A failed check must not leave its lab on the machine: labs that
# appeared while the test ran are its own (ctest runs these one at a time).
AT_EXIT=
on_exit() { AT_EXIT="$AT_EXIT$1;"; }
leave_clean() {
  eval "$AT_EXIT"
  local lab
  for lab in $(ls -A /run/nsrun 2>/dev/null); do
    grep -qxF "$lab" <<<"$LABS_BEFORE" || "$NSRUN" destroy --force "$lab" >/dev/null 2>&1
  done
}
trap leave_clean EXIT

# expect_clean: the host looks as it did when the test started.
expect_clean() {
  local now
  now=$(snapshot)
  if [ "$now" = "$BEFORE" ]; then
    pass "nothing left behind ${1:-}"
  else
    fail "the host changed ${1:-}: $(diff <(echo "$BEFORE") <(echo "$now") | grep '^[<>]' | tr '\n' ' ')"
  fi
}

# jq-like field checks without jq: python3 reads iproute2's JSON.
pyjson() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
export -f pyjson

# addr4 NODE [IFNAME]: the node's first IPv4 address on IFNAME (eth0), as
# the kernel has it
addr4() { ip -n "$1" -j -4 addr show "${2:-eth0}" | pyjson 'print(d[0]["addr_info"][0]["local"])'; }

# ping_all NODE...: every node pings every other at its eth0 address with
# iputils ping; passes when all do, else names the pairs that did not
ping_all() {
  local a b n=0 bad=0 addrs=()
  for a in "$@"; do addrs+=("$a:$(addr4 "$a")"); done
  for a in "${addrs[@]}"; do
    for b in "${addrs[@]}"; do
      [ "$a" = "$b" ] && continue
      n=$((n + 1))
      ip netns exec "${a%%:*}" ping -n -c1 -W2 "${b#*:}" >/dev/null 2>&1 ||
        { bad=$((bad + 1)); echo "    ${a%%:*} -> ${b%%:*} (${b#*:}) failed"; }
    done
  done
  if [ $bad = 0 ]; then pass "all $n pairs ping (iputils ping)"; else fail "$bad of $n pairs do not ping"; fi
}

finish() {
  if [ "$fails" -gt 0 ]; then echo "$fails check(s) failed"; exit 1; fi
  echo "all checks passed"
  exit 0
}
