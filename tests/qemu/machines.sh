#!/usr/bin/env bash
# One lab across machines, on three VMs with a kernel each: tests/qemu/run
# boots Debian's stock kernel three times, each VM with sshd and nsrun, on
# an underlay that exists only between them (a bridge of three taps in a
# network namespace of this test's own).  VM m1 is the controller: it runs
# tests/machines/cases.sh (tests/qemu/machines-vm.sh) against m1, m2, m3,
# where losing a machine is its kernel powering off at once.
#   tests/qemu/machines.sh [--build DIR]
# Exit status: the checks' (0 all passed, 1 one failed), 125 when the VMs
# did not run them.
set -u
cd "$(dirname "$0")/../.."
build=${NSRUN_BUILD:-build}
[ "${1:-}" = --build ] && build=$2
build=$(cd "$build" && pwd) || exit 125

# the underlay's bridge and taps live in a network namespace of our own
if [ -z "${NSRUN_QEMU_MACHINES_NS:-}" ]; then
  exec unshare --net -- env NSRUN_QEMU_MACHINES_NS=1 bash "$0" --build "$build"
fi
for t in ssh ssh-keygen /usr/sbin/sshd bash; do
  command -v "$t" >/dev/null || { echo "tests/qemu/machines.sh: no $t (bash .ci/run installs openssh-server)"; exit 125; }
done

work=$(mktemp -d "$build/qemu-machines.XXXXXX")
pids=()
# every process started from PID, PID last (by PID: the VMs' qemu runs
# under a timeout of its own process group)
tree() {
  local p c
  for p in /proc/[0-9]*; do
    c=${p#/proc/}
    [ "$(awk '{ print $4 }' "$p/stat" 2>/dev/null)" = "$1" ] && tree "$c"
  done
  echo "$1"
}
cleanup() {
  local p
  for p in "${pids[@]+"${pids[@]}"}"; do kill $(tree "$p") 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 125" INT TERM

ssh-keygen -q -t ed25519 -N '' -f "$work/id" -C nsrun-test
ssh-keygen -q -t ed25519 -N '' -f "$work/host" -C nsrun-test-host
{
  printf 'Host m*\n  User root\n  IdentityFile /root/.ssh/id\n  IdentitiesOnly yes\n'
  printf '  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n'
  printf '  ServerAliveInterval 2\n  ServerAliveCountMax 3\n'
  for i in 1 2 3 9; do printf 'Host m%d\n  HostName 198.51.100.%d\n' "$i" "$i"; done
} >"$work/ssh_config"

ip link set lo up
ip link add ul type bridge && ip link set ul up || exit 125
for i in 1 2 3; do
  ip tuntap add "tap$i" mode tap && ip link set "tap$i" master ul up || exit 125
done

# boot I MODE: VM mI (its console in $work/mI.log), in a process group of
# its own
boot() {
  setsid bash tests/qemu/run --build "$build" --ssh "$work" --tool bash --smp 1 --memory 768 \
    --timeout 1800 --nic "tap:tap$1:52:54:00:00:00:0$1" --log "$work/m$1.console" \
    --add tests/machines:/tests/machines --add tests/integration/lib.sh:/tests/integration/lib.sh \
    -- sh /tests/qemu/machine.sh "$1" "$2" >"$work/m$1.log" 2>&1 &
  pids+=($!)
}
boot 2 serve
boot 3 serve
boot 1 test
wait "${pids[2]}"
status=$?
sed -n '/^machines m1 m2 m3: sshd up/,/^NSRUN-QEMU-TIME/p' "$work/m1.log" | grep -v '^NSRUN-QEMU-TIME'
if [ "$status" = 125 ]; then
  echo "tests/qemu/machines.sh: VM m1 did not run the checks; its log:"
  tail -n 40 "$work/m1.log"
  for i in 2 3; do echo "--- m$i:"; tail -n 15 "$work/m$i.log"; done
fi
exit "$status"
