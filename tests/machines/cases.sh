# The checks of one lab across machines (nsrun --hosts), sourced by a
# driver that has made machines m1, m2, m3 (m9 does not answer), each
# running sshd, reached by ssh as NSRUN_SSH says, with nsrun at
# NSRUN_REMOTE there:
#   tests/integration/machines.sh  machines of namespaces (one kernel)
#   tests/qemu/machines.sh         virtual machines (a kernel each)
# The driver defines
#   on M CMD...   a command on machine M, as root there
#   busy M        prints the nsrun processes running on M (none: nothing)
#   lose M        M is gone at once, as if it lost power
# and ADDR[M] (M's address on the underlay, its eth0), NSRUN (nsrun here),
# work (a scratch directory), and check, fail, pass, finish (lib.sh).

# said RC WANT TEXT PATTERN: the status RC is WANT ("!0": not 0) and TEXT
# has PATTERN
said() {
  if [ "$2" = "!0" ]; then [ "$1" != 0 ] || return 1; else [ "$1" = "$2" ] || return 1; fi
  grep -q -- "$4" <<<"$3"
}

# empty M: no namespace, no lab, no VXLAN device, no nsrun running on M
empty() {
  local left
  left=$(on "$1" sh -c 'ip netns list; ls -A /run/nsrun; ip -o link show type vxlan')
  [ -z "$left" ] || { echo "$1 holds: $left"; return 1; }
  left=$(busy "$1")
  [ -z "$left" ] || { echo "$1 runs nsrun: $left"; return 1; }
}
# wait_empty M...: until each is empty (a part removes itself), 30 s
wait_empty() {
  local m
  for m in "$@"; do
    for _ in $(seq 150); do empty "$m" >/dev/null 2>&1 && break; sleep 0.2; done
    empty "$m" || return 1
  done
}

# cut_links LAB M...: each link of LAB is a veth pair on one machine or a
# VXLAN end on each of two, toward the other's address (cut_links.lua)
cut_links() {
  local lab=$1 m args=()
  shift
  for m in "$@"; do
    on "$m" "$NSRUN_REMOTE" inspect "$lab" --model >"$work/model-$m.json" || return 1
    on "$m" sh -c 'for n in $(ip netns list | cut -d" " -f1); do echo "$n $(ip -n "$n" -d -j link show)"; done' \
      >"$work/links-$m.txt" || return 1
    args+=("$m=${ADDR[$m]}")
  done
  "$NSRUN" tests/machines/cut_links.lua "$work" "${args[@]}"
}

# run NAME ARG...: nsrun ARG..., its output shown; sets out and rc
run() {
  out=$("$NSRUN" "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/    /'
}

# --- a leaf-spine over two machines ---------------------------------------
run --hosts m1,m2 scenarios/datacenter.lua
check "datacenter.lua over m1,m2: every host reaches every host" said "$rc" 0 "$out" "16 nodes reach 16 nodes"
check "m1 holds nodes" test -n "$(on m1 ip netns list)"
check "m2 holds nodes" test -n "$(on m2 ip netns list)"
check "a VXLAN end exactly where a link is cut, veth pairs elsewhere" cut_links dc m1 m2
check "nsrun --hosts list: the lab on each machine" said 0 0 "$("$NSRUN" --hosts m1,m2 list 2>&1)" "^m2 *dc "
check "nsrun --hosts exec: a command in a node on its machine" \
  said 0 0 "$("$NSRUN" --hosts m1,m2 exec dc spine1 -- ip -d -o link show type vxlan 2>&1)" "vxlan id"
check "nsrun exec on the machine without the node names its machine" \
  said 0 0 "$(on m1 "$NSRUN_REMOTE" exec dc h4-1 -- true 2>&1; on m2 "$NSRUN_REMOTE" exec dc h1-1 -- true 2>&1)" "is on machine m"
other=$(on m1 "$NSRUN_REMOTE" inspect dc --model | grep -o '"machine":"m2","name":"[^"]*"' | head -n1 | sed 's/.*"name":"//; s/"$//')
check "the model names the nodes of m2" test -n "$other"
run --hosts m1,m2 destroy dc
check "nsrun --hosts destroy: every part" said "$rc" 0 "$out" "m2: destroyed lab dc"
# a namespace of m1's own named like a node the lab puts on m2 (the same
# placement every run): not the lab's, left alone when the run removes it
on m1 ip netns add "$other"
run --hosts m1,m2 --rm scenarios/datacenter.lua
check "--rm across machines: passes" test "$rc" = 0
check "m1's own namespace $other, named like a node of m2, is left alone" said 0 0 "$(on m1 ip netns list)" "^$other\b"
on m1 ip netns del "$other"
check "m1 empty after destroy" empty m1
check "m2 empty after destroy" empty m2

# failures gathered from both machines: every failed pair named, in pair
# order, as one machine reports them; a check starts once every machine has
# done what the script did before it
printf '%s\n' 'local nsrun = require "nsrun"' 'local lab = nsrun.lab "fails"' \
  'local t = lab:leafspine { spines = 2, leaves = 4, hosts = 2 }' 'lab:autoaddr()' 'lab:autoroute()' \
  '-- h4-2 cut off from its leaf: 14 of the 56 pairs fail, their sources on both machines;' \
  '-- its machine is slow to do it, and no machine may check before it has' \
  'local me = lab.part and lab.part.ctx.me' \
  'if me and lab.part.where[lab.nodes["h4-2"].nsname] == me then os.execute("sleep 1") end' \
  'for _, l in ipairs(lab.links) do if l.a.node.name == "h4-2" then l:down() end end' \
  'lab:expect(t.hosts):reaches(t.hosts)' 'lab:expect(t.hosts[1]):does_not_reach(lab.nodes["h4-2"])' \
  >"$work/fails.lua"
run --hosts m1,m2 --rm "$work/fails.lua"
check "a failing check over m1,m2: exit 1, 14 of 56 pairs failed" said "$rc" 1 "$out" \
  "FAIL 8 nodes reach 8 nodes (56 pairs, 14 failed)"
check "... and the pair that must not answer does not" said "$rc" 1 "$out" "ok   h1-1 does not reach h4-2 (1 pair)"
want="h1-1 h1-2 h2-1 h2-2 h3-1 h3-2 h4-1"
want="$(for h in $want; do echo "$h -> h4-2"; done; for h in $want; do echo "h4-2 -> $h"; done)"
check "... every failed pair named, in pair order" test "$(grep -o 'h[0-9]-[0-9] -> h[0-9]-[0-9]' <<<"$out")" = "$want"
check "... no path claimed where it was not traced (the controller reads no node's kernel)" \
  said "$rc" 1 "$out" "h1-1 -> h4-2 (10.0.3.3): no answer to 3 echoes; not traced: h1-1 is on machine m"
check "m1 empty after the failing run" wait_empty m1 m2

# --- three machines -----------------------------------------------------------
run --hosts m1,m2,m3 scenarios/datacenter.lua spines=3 leaves=6 hosts=2
check "datacenter.lua over m1,m2,m3: every host reaches every host" said "$rc" 0 "$out" "12 nodes reach 12 nodes"
check "cut links over three machines" cut_links dc m1 m2 m3
run --hosts m1,m2,m3 destroy dc
check "destroy over three machines" test "$rc" = 0
for m in m1 m2 m3; do check "$m empty" empty "$m"; done

# --- nsrun test across machines: TAP, every part removed ----------------------
run --hosts m1,m2 test --tap scenarios/datacenter.lua
check "nsrun --hosts test --tap: the scenario passes" said "$rc" 0 "$out" "^ok 1 "
for m in m1 m2; do check "$m empty after nsrun test" empty "$m"; done

# --- the controller killed mid-build ----------------------------------------
"$NSRUN" --hosts m1,m2 scenarios/fattree.lua k=6 >"$work/killed.log" 2>&1 &
ctl=$!
for _ in $(seq 600); do [ -n "$(on m2 ip netns list 2>/dev/null)" ] && break; sleep 0.05; done
kill -KILL "$ctl"
wait "$ctl" 2>/dev/null
"$NSRUN" --hosts m1,m2 destroy fattree >"$work/destroy.log" 2>&1
check "the controller killed mid-build: each part removed (by itself or by destroy)" wait_empty m1 m2

# --- bad runs: one clear error, nothing made --------------------------------
on m2 sh -c 'rm /run/nsrun-test/nsrun && printf "#!/bin/sh\necho nsrun 0.0.1\n" >/run/nsrun-test/nsrun && chmod +x /run/nsrun-test/nsrun'
run --hosts m1,m2 scenarios/datacenter.lua
check "a version mismatch: exit 1, naming m2 and both versions" said "$rc" 1 "$out" "machine m2 runs nsrun 0.0.1, this is nsrun "
on m2 sh -c "rm /run/nsrun-test/nsrun && ln -s \"\$(cat /run/nsrun-test/real)\" /run/nsrun-test/nsrun"
for m in m1 m2; do check "$m empty after the version mismatch" empty "$m"; done

run --hosts m1,m9 scenarios/datacenter.lua
check "an unreachable machine: exit 1, naming m9" said "$rc" 1 "$out" "machine m9: cannot connect"
check "m1 empty after the unreachable machine" empty m1

on m2 ip link set eth0 mtu 1400
run --hosts m1,m2 --mtu-policy refuse scenarios/datacenter.lua
check "underlay MTU 1400, --mtu-policy refuse: exit 1, naming m2, eth0 and 1350" said "$rc" 1 "$out" "MTU is 1400 on machine m2 (eth0).*1350"
for m in m1 m2; do check "$m empty after the refusal" empty "$m"; done
run --hosts m1,m2 scenarios/datacenter.lua
check "underlay MTU 1400, clamped: every host reaches every host" said "$rc" 0 "$out" "the lab's links get MTU 1350"
check "clamped: every interface of every node has MTU 1350" test -z "$(for m in m1 m2; do
  on "$m" sh -c 'for n in $(ip netns list | cut -d" " -f1); do ip -n "$n" -o link show | grep -v " lo:"; done'
done | grep -v 'mtu 1350')"
run --hosts m1,m2 destroy dc
check "destroy the clamped lab" test "$rc" = 0
on m2 ip link set eth0 mtu 1500

# --- a machine lost -------------------------------------------------------------
run --hosts m1,m3 scenarios/datacenter.lua
check "datacenter.lua over m1,m3 (then m3 is lost)" test "$rc" = 0
lose m3
run --hosts m1,m3 destroy dc
check "destroy with m3 lost: exit 1, naming m3" said "$rc" 1 "$out" "machine m3: cannot connect"
check "m1 empty: its part removed though m3 is lost" empty m1
check "m2 empty at the end" empty m2
