# Shared by the integration tests: run as root, check with iproute2, and
# prove that nothing is left behind.
set -u
NSRUN=$(readlink -f "${NSRUN:-build/nsrun}")
fails=0

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (real network namespaces)"
  # In CI a skipped test is a failed test.
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# What the host looks like: namespaces, host links, /run/netns, /run/nsrun,
# the host-wide neighbour table limits labs may raise.
snapshot() {
  { ip netns list | awk '{print "netns", $1}'
    ip -j link show 2>/dev/null | python3 -c 'import json,sys; [print("link", l["ifname"]) for l in json.load(sys.stdin)]'
    ls -A /run/netns 2>/dev/null | sed 's/^/mount /'
    ls -A /run/nsrun 2>/dev/null | sed 's/^/state /'
    awk '$5 ~ "^/run/netns/" {print "mounted", $5}' /proc/self/mountinfo
    sysctl net.ipv4.neigh.default.gc_thresh3 net.ipv6.neigh.default.gc_thresh3
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
    grep -qxF "$lab" <<<"$LABS_BEFORE" || "$NSRUN" destroy "$lab" >/dev/null 2>&1
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

finish() {
  if [ "$fails" -gt 0 ]; then echo "$fails check(s) failed"; exit 1; fi
  echo "all checks passed"
  exit 0
}
