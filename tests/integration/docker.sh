# Docker containers as nodes, through the Engine API: the tutorial's home
# network with real containers; adopting a running container; failures
# that leave nothing behind (no container, no mount, no link).
. "$(dirname "$0")/lib.sh"

IMAGE=${NSRUN_TEST_IMAGE:-nsrun-test/busybox}
docker info >/dev/null 2>&1 && docker image inspect "$IMAGE" >/dev/null 2>&1 ||
  skip "needs a running Docker Engine and the image $IMAGE (.ci/run makes both)"
containers() { docker ps -a --format '{{.Names}}' | sort | tr '\n' ' '; }
C0=$(containers)
tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"; docker rm -f nsrun-adopted db3 >/dev/null 2>&1'

check "nsrun docker-home.lua" "$NSRUN" scenarios/docker-home.lua image="$IMAGE"
for c in verizon router laptop; do
  check "container $c runs with no network of Docker's" bash -c \
    "[ \"\$(docker inspect -f '{{.HostConfig.NetworkMode}} {{.State.Running}}' $c)\" = 'none true' ]"
  check "/run/netns/$c is $c's network namespace" bash -c \
    "[ \$(ip netns identify \$(docker inspect -f '{{.State.Pid}}' $c)) = $c ]"
done
check "docker exec laptop ping verizon (through router)" docker exec laptop ping -c1 -W2 203.0.113.1
check "docker exec verizon ping laptop" docker exec verizon ping -c1 -W2 192.168.1.10
check "ip netns exec laptop ip route: default via the router" bash -c \
  "ip netns exec laptop ip route | grep -q 'default via 192.168.1.1'"
check "the bridge home has laptop_eth1 and router_eth1" bash -c \
  "[ \"\$(ip -j link show master home | pyjson 'print(\" \".join(sorted(l[\"ifname\"] for l in d)))')\" = 'laptop_eth1 router_eth1' ]"
out=$("$NSRUN" exec docker-home laptop -- hostname 2>&1)
[ "$out" = "$(docker inspect -f '{{.Config.Hostname}}' laptop)" ] \
  && pass "nsrun exec docker-home laptop -- hostname: in the container ($out)" || fail "exec in a container: $out"
"$NSRUN" exec docker-home laptop -- sh -c 'exit 5' >/dev/null 2>&1
[ $? = 5 ] && pass "nsrun exec in a container: its exit status" || fail "exec status in a container"
check "nsrun exec in a container and a node: both" bash -c \
  "'$NSRUN' exec docker-home 'laptop,router' -- ping -c1 -W2 203.0.113.1 2>&1 | grep -q 'all exited 0'"
check "nsrun inspect: laptop is a container" bash -c "'$NSRUN' inspect docker-home laptop | grep -q 'container laptop'"
check "nsrun destroy docker-home" "$NSRUN" destroy docker-home
[ "$(containers)" = "$C0" ] && pass "its containers are gone" || fail "containers left: $(containers)"
expect_clean "after destroy"
check "nsrun test docker-home.lua passes" "$NSRUN" test scenarios/docker-home.lua
[ "$(containers)" = "$C0" ] && pass "nsrun test removed its containers" || fail "containers left: $(containers)"
expect_clean "after nsrun test"

# adopt a container that nsrun did not make: destroy leaves it running
docker run -d --net=none --name nsrun-adopted "$IMAGE" sleep 100000 >/dev/null
cat >"$tmp/adopt.lua" <<LUA
local lab = require("nsrun").lab "adopt"
local a = lab:attach("nsrun-adopted", { docker = "nsrun-adopted" })
local h = lab:host "ad-h"
lab:link(a, "eth0", h, "eth0")
a:addr("eth0", "198.51.100.1/24")
h:addr("eth0", "198.51.100.2/24")
assert(a:exec("hostname").stdout:find(("%x"):rep(12)), "exec runs in the container's UTS namespace")
lab:expect(h):reaches(a)
LUA
check "attach a running container by name" "$NSRUN" "$tmp/adopt.lua"
check "destroy the lab that adopted it" "$NSRUN" destroy adopt
check "the adopted container still runs" bash -c "[ \$(docker inspect -f '{{.State.Running}}' nsrun-adopted) = true ]"
check "its namespace lost the link nsrun made" bash -c "[ \$(docker exec nsrun-adopted ip -o link | wc -l) = 1 ]"
docker rm -f nsrun-adopted >/dev/null
expect_clean "after the adopted container"

# A container whose process confined itself with chroot (as a runtime
# that does not pivot_root leaves it): nsrun exec runs in that root and
# working directory, not in the mount namespace's own root (nsenter --root
# --wd does the same).
cat >"$tmp/jail.lua" <<LUA
local lab = require("nsrun").lab "jail"
lab:container("jailed", { image = "$IMAGE", cmd = { "sh", "-c", [[
  mkdir -p /jail/bin /jail/work && cp /bin/busybox /jail/bin/ &&
  for a in sh ls pwd sleep; do ln -s busybox /jail/bin/\$a; done &&
  touch /jail/in-the-jail && cd /jail && exec chroot /jail sh -c 'cd /work && exec sleep 300']] } })
LUA
check "a container whose command chroots itself" "$NSRUN" "$tmp/jail.lua"
for _ in $(seq 50); do   # until its command has chrooted
  [ "$(docker exec jailed sh -c 'ls /proc/1/root/' 2>/dev/null | tr '\n' ' ')" = "bin in-the-jail work " ] && break
  sleep 0.1
done
out=$("$NSRUN" exec jail jailed -- ls / 2>&1 | tr '\n' ' ')
[ "$out" = "bin in-the-jail work " ] && pass "nsrun exec runs in the container's root: ls / is '$out'" \
  || fail "nsrun exec in a chrooted container: ls / is '$out'"
out=$("$NSRUN" exec jail jailed -- pwd 2>&1)
[ "$out" = /work ] && pass "and in its working directory ($out)" || fail "working directory: $out"
check "nsrun destroy jail" "$NSRUN" destroy jail
expect_clean "after the chrooted container"

# failures: one clear error naming the container, exit 1, nothing left
bad() {
  local what=$1 body=$2 want=$3
  printf 'local lab = require("nsrun").lab "dbad"\n%s\n' "$body" >"$tmp/bad.lua"
  out=$(cd "$tmp" && env ${ENVV:-} "$NSRUN" bad.lua 2>&1)
  rc=$?
  if [ $rc = 1 ] && [[ $out == *"$want"* ]]; then pass "$what"; else fail "$what: exit $rc: $out"; fi
  [ "$(containers)" = "$C0" ] && pass "$what: no container left" || fail "$what: containers left: $(containers)"
  expect_clean "after: $what"
}
bad "a missing image" 'lab:container("db1", { image = "nsrun-test/no-such-image" })' \
  'bad.lua:2: container db1: No such image'
# A container whose command ends is an error whenever it ends before the
# script does: at once (before nsrun could attach it, or just after), or
# while the lab is built.  Each script waits for the exit, so each case
# is what its name says.
bad "a container that exits at once" "lab:container(\"db2\", { image = \"$IMAGE\", cmd = { \"true\" } })
os.execute(\"sleep 1\")" 'bad.lua:2: container db2 exited'
bad "a container that exits while the lab is built" \
  "local c = lab:container(\"db2\", { image = \"$IMAGE\", cmd = { \"sleep\", \"1\" } })
os.execute(\"while [ -e /proc/\" .. c.pid .. \" ]; do sleep 0.1; done\")" \
  'bad.lua:2: container db2 exited while lab dbad was built'
docker run -d --net=none --name db3 "$IMAGE" sleep 100000 >/dev/null
C0=$(containers)
bad "a name taken by another container" "lab:container(\"db3\", { image = \"$IMAGE\", cmd = { \"sleep\", \"9\" } })" \
  'bad.lua:2: container db3: Conflict'
check "the other container is untouched" bash -c "[ \$(docker inspect -f '{{.State.Running}}' db3) = true ]"
docker rm -f db3 >/dev/null
C0=$(containers)
bad "attach a container that does not exist" 'lab:attach("db4", { docker = "nsrun-nonexistent" })' \
  'container nsrun-nonexistent: No such container'
ENVV="DOCKER_HOST=unix:///nonexistent/docker.sock" bad "no Docker Engine" \
  "lab:container(\"db5\", { image = \"$IMAGE\" })" 'Docker Engine at /nonexistent/docker.sock'
finish
