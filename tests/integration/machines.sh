#!/usr/bin/env bash
# One lab across machines (nsrun --hosts) on "machines" made of namespaces:
# each has its own network namespace, its own mount namespace (its own
# /run: /run/netns, /run/nsrun, /run/sshd) and its own sysfs, and runs
# OpenSSH's sshd; a bridge, the underlay, joins them and the controller
# (this test's namespace, 198.51.100.254).  They share one kernel: the VM
# test (tests/qemu/machines.sh) runs the same checks
# (tests/machines/cases.sh) on machines with a kernel each.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

[ -x /usr/sbin/sshd ] || skip "no sshd (apt-get install openssh-server)"
command -v ssh >/dev/null || skip "no ssh (apt-get install openssh-client)"

work=$(mktemp -d)
declare -A MPID=() ADDR=()
cleanup() {
  local m
  for m in "${!MPID[@]}"; do kill "${MPID[$m]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/id" -C nsrun-test
ssh-keygen -q -t ed25519 -N '' -f "$work/host" -C nsrun-test-host
cp "$work/id.pub" "$work/authorized_keys"
printf '%s\n' "HostKey $work/host" "AuthorizedKeysFile $work/authorized_keys" \
  "PermitRootLogin prohibit-password" "StrictModes no" "UsePAM no" "PrintMotd no" \
  "PidFile none" "MaxSessions 50" "MaxStartups 50" >"$work/sshd_config"
{
  printf 'Host m*\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n' "$work/id"
  printf '  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n'
  for i in 1 2 3 9; do printf 'Host m%d\n  HostName 198.51.100.%d\n' "$i" "$i"; done
} >"$work/ssh_config"
export NSRUN_SSH="ssh -F $work/ssh_config"
export NSRUN_REMOTE=/run/nsrun-test/nsrun   # in each machine's own /run

ip link add ul type bridge && ip link set ul up && ip addr add 198.51.100.254/24 dev ul || exit 1

# machine I: new network and mount namespaces; its underlay interface eth0
# (198.51.100.I) is the peer of ul-mI on the bridge; then sshd
machine() {
  local i=$1
  unshare --net --mount --propagation private -- bash -c '
    i=$1 work=$2 nsrun=$3
    mount -t tmpfs -o mode=0755 machine /run &&
    mkdir -p /run/netns /run/sshd /run/nsrun-test && mkdir -m 0700 /run/nsrun &&
    ln -s "$nsrun" /run/nsrun-test/nsrun && echo "$nsrun" >/run/nsrun-test/real &&
    mount -t sysfs machine /sys && ip link set lo up || exit 1
    for _ in $(seq 100); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.05; done
    ip addr add 198.51.100.$i/24 dev eth0 && ip link set eth0 up || exit 1
    exec /usr/sbin/sshd -D -f "$work/sshd_config" -o ListenAddress=198.51.100.$i
  ' bash "$i" "$work" "$NSRUN" 2>"$work/sshd-m$i.log" &
  MPID[m$i]=$!
  ADDR[m$i]=198.51.100.$i
  for _ in $(seq 100); do
    [ "$(readlink "/proc/${MPID[m$i]}/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.02
  done
  ip link add "ul-m$i" master ul up type veth peer name eth0 netns "${MPID[m$i]}"
  for _ in $(seq 100); do ssh -F "$work/ssh_config" -o BatchMode=yes "m$i" true 2>/dev/null && return 0; sleep 0.1; done
  echo "machine m$i: sshd does not answer"; cat "$work/sshd-m$i.log"; return 1
}
on() { local m=$1; shift; nsenter -t "${MPID[$m]}" -n -m -- "$@"; }
# the nsrun processes in M's network namespace
busy() {
  local p net
  net=$(readlink "/proc/${MPID[$1]}/ns/net")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$net" ] || continue
    [ "$(cat "$p/comm" 2>/dev/null)" = nsrun ] && echo "${p#/proc/}"
  done
}
# every process in M's namespaces killed at once, its underlay gone
lose() {
  local p net
  net=$(readlink "/proc/${MPID[$1]}/ns/net")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$net" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  { wait "${MPID[$1]}"; } 2>/dev/null
  unset "MPID[$1]"
  ip link del "ul-$1" 2>/dev/null
  true
}

for i in 1 2 3; do machine "$i" || exit 1; done
. tests/machines/cases.sh
finish
