#!/usr/bin/env bash
# One lab across machines (nsrun --hosts), on "machines" made of namespaces:
# each has its own network namespace, its own mount namespace (its own
# /run: /run/netns, /run/nsrun, /run/sshd) and its own sysfs, and runs
# OpenSSH's sshd; an underlay bridge joins them and the controller (this
# test's namespace, 192.0.2.254).  They share one kernel: the VM test
# (tests/qemu/machines.sh) is the one with separate kernels.
# Checked: a leaf-spine over two and three machines (every host reaches
# every host; a VXLAN end exactly where a link is cut, a veth pair elsewhere;
# list, inspect, exec and destroy across the machines), the controller
# killed mid-build, a machine lost, a version mismatch, an underlay MTU too
# small (clamped; refused), an unreachable machine: each a clear error and
# nothing left on the machines.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

command -v /usr/sbin/sshd >/dev/null || skip "no sshd (apt-get install openssh-server)"
command -v ssh >/dev/null || skip "no ssh (apt-get install openssh-client)"

work=$(mktemp -d)
declare -A MPID=()
cleanup() {
  for m in "${!MPID[@]}"; do kill "${MPID[$m]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/id" -C nsrun-test
ssh-keygen -q -t ed25519 -N '' -f "$work/host" -C nsrun-test-host
cp "$work/id.pub" "$work/authorized_keys"
chmod 600 "$work/authorized_keys"
cat >"$work/sshd_config" <<EOF
HostKey $work/host
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PrintMotd no
PidFile none
MaxSessions 50
MaxStartups 50
EOF
{
  echo "Host m*"
  echo "  User root"
  echo "  IdentityFile $work/id"
  echo "  IdentitiesOnly yes"
  echo "  StrictHostKeyChecking no"
  echo "  UserKnownHostsFile /dev/null"
  echo "  LogLevel ERROR"
  for i in 1 2 3 9; do printf 'Host m%d\n  HostName 192.0.2.%d\n' "$i" "$i"; done
} >"$work/ssh_config"
export NSRUN_SSH="ssh -F $work/ssh_config"
export NSRUN_REMOTE=/run/nsrun-test/nsrun   # each machine's own /run

ip link add ul type bridge && ip link set ul up && ip addr add 192.0.2.254/24 dev ul

# machine I: a process in new network and mount namespaces that waits for
# its underlay interface, then runs sshd
machine() {
  local i=$1
  unshare --net --mount --propagation private -- bash -c '
    i=$1 work=$2 nsrun=$3
    mount -t tmpfs -o mode=0755 machine /run &&
    mkdir -p /run/netns /run/sshd /run/nsrun-test && mkdir -m 0700 /run/nsrun &&
    ln -s "$nsrun" /run/nsrun-test/nsrun &&
    mount -t sysfs machine /sys && ip link set lo up || exit 1
    for _ in $(seq 100); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.05; done
    ip addr add 192.0.2.$i/24 dev eth0 && ip link set eth0 up || exit 1
    exec /usr/sbin/sshd -D -f "$work/sshd_config" -o ListenAddress=192.0.2.$i
  ' bash "$i" "$work" "$NSRUN" 2>"$work/sshd-m$i.log" &
  MPID[m$i]=$!
  for _ in $(seq 100); do [ -e "/proc/${MPID[m$i]}/ns/net" ] && \
    [ "$(readlink /proc/${MPID[m$i]}/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
  ip link add "ul-m$i" master ul up type veth peer name eth0 netns "${MPID[m$i]}"
  for _ in $(seq 100); do ssh -F "$work/ssh_config" -o BatchMode=yes "m$i" true 2>/dev/null && return 0; sleep 0.1; done
  echo "machine m$i: sshd does not answer"; cat "$work/sshd-m$i.log"; return 1
}
# on MACHINE CMD...: a command in the machine's namespaces (as a session
# there would run it)
on() { local m=$1; shift; nsenter -t "${MPID[$m]}" -n -m -- "$@"; }

for i in 1 2 3; do machine "$i" || exit 1; done

# A machine is empty: no namespace, no lab state, no nsrun running there.
empty() {
  local m=$1 left
  left=$(on "$m" sh -c 'ip netns list; ls -A /run/nsrun; ip -o link show type vxlan')
  if [ -n "$left" ]; then echo "$m holds: $left"; return 1; fi
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$(readlink "/proc/${MPID[$m]}/ns/net")" ] || continue
    case $(cat "$p/comm" 2>/dev/null) in nsrun) echo "$m: nsrun ${p#/proc/} runs"; return 1 ;; esac
  done
}
# wait_empty MACHINE: until it is empty (a part ends on its own), 30 s
wait_empty() {
  for _ in $(seq 150); do empty "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  empty "$1"
}

# said RC WANT TEXT PATTERN: the status RC is WANT ("!0": not 0) and TEXT
# has PATTERN
said() {
  if [ "$2" = "!0" ]; then [ "$1" != 0 ] || return 1; else [ "$1" = "$2" ] || return 1; fi
  grep -q -- "$4" <<<"$3"
}

# cut_links MACHINES...: every link of lab dc is a veth pair on one machine,
# or a VXLAN end on each of two, toward the other's address, the VNIs all
# different; prints "cut N"
cut_links() {
  local m
  for m in "$@"; do
    on "$m" "$NSRUN" inspect dc --model >"$work/model-$m.json" || return 1
    on "$m" sh -c 'for n in $(ip netns list | cut -d" " -f1); do ip -n "$n" -d -j link show | sed "s/^/$n /"; done' \
      >"$work/links-$m.txt" || return 1
  done
  python3 - "$work" "$@" <<'EOF'
import json, sys
work, machines = sys.argv[1], sys.argv[2:]
model = json.load(open(f"{work}/model-{machines[0]}.json"))
where = {n["name"]: n["machine"] for n in model["nodes"]}
ns = {n["name"]: n["ns"] for n in model["nodes"]}
links = {}
for m in machines:
    for line in open(f"{work}/links-{m}.txt"):
        node, rest = line.split(" ", 1)
        for l in json.loads(rest):
            links[(m, node, l["ifname"])] = l
addr = {"m1": "192.0.2.1", "m2": "192.0.2.2", "m3": "192.0.2.3"}
cut, vnis, bad = 0, set(), []
for l in model["links"]:
    a, b = l["a"], l["b"]
    ea = links.get((where[a], ns[a], l["ifa"]))
    eb = links.get((where[b], ns[b], l["ifb"]))
    if not ea or not eb:
        bad.append(f"{a}:{l['ifa']} -- {b}:{l['ifb']}: an end is missing")
        continue
    kind = lambda e: e.get("linkinfo", {}).get("info_kind")
    if where[a] == where[b]:
        if kind(ea) != "veth" or kind(eb) != "veth":
            bad.append(f"{a} -- {b} on {where[a]}: {kind(ea)}/{kind(eb)}, not veth")
        continue
    cut += 1
    for e, here, there in ((ea, where[a], where[b]), (eb, where[b], where[a])):
        d = e.get("linkinfo", {}).get("info_data", {})
        if kind(e) != "vxlan" or d.get("remote") != addr[there] or d.get("local") != addr[here]:
            bad.append(f"{a} -- {b}: end on {here} is {kind(e)} {d}")
    if ea["linkinfo"]["info_data"]["id"] != eb["linkinfo"]["info_data"]["id"]:
        bad.append(f"{a} -- {b}: VNIs differ")
    vnis.add(ea["linkinfo"]["info_data"]["id"])
if len(vnis) != cut:
    bad.append(f"{cut} cut links share {len(vnis)} VNIs")
vx = sum(1 for e in links.values() if e.get("linkinfo", {}).get("info_kind") == "vxlan")
if vx != 2 * cut:
    bad.append(f"{vx} VXLAN devices for {cut} cut links")
for b in bad: print(b)
print("cut", cut)
sys.exit(1 if bad else 0)
EOF
}

# --- a leaf-spine over two machines ----------------------------------------
out=$("$NSRUN" --hosts m1,m2 scenarios/datacenter.lua 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "datacenter.lua over m1,m2: every host reaches every host" test "$rc" = 0
check "the report names nodes as on one machine" grep -q "hosts reach every host\|reach" <<<"$out"
check "nodes on both machines" sh -c "[ \$(nsenter -t ${MPID[m1]} -n -m ip netns list | wc -l) -gt 0 ] && [ \$(nsenter -t ${MPID[m2]} -n -m ip netns list | wc -l) -gt 0 ]"
check "a VXLAN end exactly where a link is cut, veth pairs elsewhere" cut_links m1 m2
check "nsrun --hosts list shows the lab on each machine" sh -c "'$NSRUN' --hosts m1,m2 list | grep -c '^m[12] *dc ' | grep -qx 2"
check "nsrun --hosts exec runs in a node on its machine" sh -c "'$NSRUN' --hosts m1,m2 exec dc spine1 -- ip -d -o link show type vxlan | grep -q 'vxlan id'"
check "nsrun --hosts destroy removes every part" "$NSRUN" --hosts m1,m2 destroy dc
check "m1 empty after destroy" empty m1
check "m2 empty after destroy" empty m2

# --- three machines, a bigger leaf-spine -----------------------------------
out=$("$NSRUN" --hosts m1,m2,m3 scenarios/datacenter.lua spines=3 leaves=6 hosts=2 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "datacenter.lua over m1,m2,m3: every host reaches every host" test "$rc" = 0
check "cut links over three machines" cut_links m1 m2 m3
check "destroy over three machines" "$NSRUN" --hosts m1,m2,m3 destroy dc
for m in m1 m2 m3; do check "$m empty" empty "$m"; done

# --- the controller killed mid-build ---------------------------------------
"$NSRUN" --hosts m1,m2 scenarios/fattree.lua k=6 >"$work/killed.log" 2>&1 &
ctl=$!
for _ in $(seq 200); do
  on m2 sh -c 'ip netns list | grep -q .' 2>/dev/null && break; sleep 0.05
done
kill -KILL "$ctl"; wait "$ctl" 2>/dev/null
"$NSRUN" --hosts m1,m2 destroy fat >"$work/destroy.log" 2>&1
both_empty() { wait_empty m1 && wait_empty m2; }
check "after the controller is killed, each part ends and is removed" both_empty
check "no ssh left by the killed controller" sh -c "! ps -eo comm,args | grep -q '^ssh .*$work'"

# --- a machine lost ----------------------------------------------------------
check "datacenter.lua over m1,m2 (to lose m2)" "$NSRUN" --hosts m1,m2 scenarios/datacenter.lua
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$(readlink "/proc/${MPID[m2]}/ns/net")" ] && kill -KILL "${p#/proc/}" 2>/dev/null
done
unset 'MPID[m2]'
out=$("$NSRUN" --hosts m1,m2 destroy dc 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "destroy with m2 lost: fails, naming m2" said "$rc" '!0' "$out" "machine m2: cannot connect"
check "m1 empty: its part removed though m2 is lost" empty m1
machine 2 || exit 1

# --- bad runs: one clear error, nothing made ---------------------------------
# a version mismatch: m2's nsrun says it is another version
on m2 sh -c 'rm /run/nsrun-test/nsrun && printf "#!/bin/sh\necho nsrun 0.0.1\n" >/run/nsrun-test/nsrun && chmod +x /run/nsrun-test/nsrun'
out=$("$NSRUN" --hosts m1,m2 scenarios/datacenter.lua 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "version mismatch: exit 1, names m2 and both versions" said "$rc" 1 "$out" "machine m2 runs nsrun 0.0.1, this is nsrun "
on m2 sh -c "rm /run/nsrun-test/nsrun && ln -s '$NSRUN' /run/nsrun-test/nsrun"
for m in m1 m2; do check "$m empty after the version mismatch" empty "$m"; done

# an unreachable machine
out=$("$NSRUN" --hosts m1,m9 scenarios/datacenter.lua 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "unreachable machine: exit 1, names m9" said "$rc" 1 "$out" "machine m9: cannot connect"
check "m1 empty after the unreachable machine" empty m1

# an underlay MTU too small: refused, or the lab clamped
on m2 ip link set eth0 mtu 1400
out=$("$NSRUN" --hosts m1,m2 --mtu-policy refuse scenarios/datacenter.lua 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "MTU 1400 under --mtu-policy refuse: exit 1, names m2 and 1350" said "$rc" 1 "$out" "MTU is 1400 on machine m2 (eth0).*1350"
for m in m1 m2; do check "$m empty after the refusal" empty "$m"; done
out=$("$NSRUN" --hosts m1,m2 scenarios/datacenter.lua 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "MTU 1400, clamped: every host reaches every host" test "$rc" = 0
check "clamped: the message says so" grep -q "the lab's links get MTU 1350" <<<"$out"
check "clamped: every link in the lab has MTU 1350" sh -c "
  for pid in ${MPID[m1]} ${MPID[m2]}; do
    nsenter -t \$pid -n -m sh -c 'for n in \$(ip netns list | cut -d\" \" -f1); do ip -n \$n -o link show | grep -v \" lo:\"; done'
  done | grep -v 'mtu 1350' | grep . && exit 1 || exit 0"
check "destroy the clamped lab" "$NSRUN" --hosts m1,m2 destroy dc
on m2 ip link set eth0 mtu 1500
for m in m1 m2; do check "$m empty at the end" empty "$m"; done

finish
