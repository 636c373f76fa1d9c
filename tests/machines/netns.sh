# Machines made of namespaces, for labs across machines (nsrun --hosts):
# each has its own network namespace, its own mount namespace (its own
# /run: /run/netns, /run/nsrun, /run/sshd) and its own sysfs, and runs
# OpenSSH's sshd; a bridge, the underlay, joins them and the caller's
# namespace (198.51.100.254).  Sourced, in a network and mount namespace of
# the caller's own (tests/integration/lib.sh, bench/run), with NSRUN set:
#   machine I   makes machine mI (198.51.100.I), reachable as mI by ssh
#   on M CMD... runs CMD in M's namespaces; busy M: its nsrun processes;
#   lose M: every process of M killed, its underlay cut
# NSRUN_SSH and NSRUN_REMOTE are exported for nsrun; m9 never answers.
[ -x /usr/sbin/sshd ] || { echo "SKIP: no sshd (apt-get install openssh-server)"; exit 77; }
command -v ssh >/dev/null || { echo "SKIP: no ssh (apt-get install openssh-client)"; exit 77; }

work=$(mktemp -d)
declare -A MPID=() ADDR=()
cleanup() {
  local m
  for m in "${!MPID[@]}"; do kill "${MPID[$m]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
  if declare -F leave_clean >/dev/null; then leave_clean; fi   # lib.sh's
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

