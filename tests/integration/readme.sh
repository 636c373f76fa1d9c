# Every command in the README's example outputs ("# CMD" lines in its
# ``` blocks) run as written, from the top of the repository, its output
# compared with the README's, timings, round trips and MAC addresses aside.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
export PATH="$(dirname "$NSRUN"):$PATH"

python3 - README.md "$tmp" <<'PY'
import re, sys
blocks, cur = [], None
for line in open(sys.argv[1]).read().split("\n"):
    if line.startswith("```"):
        if cur is None:
            cur = [] if line == "```" else False   # plain blocks hold shell sessions
        else:
            if cur:
                blocks.append(cur)
            cur = None
    elif cur:
        cur.append(line)
    elif cur == []:
        cur.append(line)
n = 0
for lines in blocks:
    if not lines[0].startswith("# "):
        continue
    cmd, out = None, []
    for line in lines + ["# "]:
        if line.startswith("# "):
            if cmd:
                n += 1
                open("%s/%02d.cmd" % (sys.argv[2], n), "w").write(cmd)
                open("%s/%02d.want" % (sys.argv[2], n), "w").write("\n".join(out).rstrip("\n") + "\n")
            cmd, out = line[2:], []
        else:
            out.append(line)
PY
normal() {   # timings, round trips, MACs and trailing blanks aside
  sed -E 's/[0-9]+\.[0-9]+ (ms|s)/N \1/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g; s/[ \t]+$//' | grep -v '^$'
}
n=0
for c in "$tmp"/*.cmd; do
  n=$((n + 1))
  cmd=$(cat "$c")
  got=$(bash -c "$cmd" 2>&1 | normal)
  want=$(normal <"${c%.cmd}.want")
  if [ "$got" = "$want" ]; then pass "README: $cmd"
  else fail "README: $cmd
$(diff <(echo "$want") <(echo "$got") | sed 's/^/    /')"; fi
done
[ $n -ge 5 ] && pass "$n commands of the README run" || fail "only $n commands found in the README"
"$NSRUN" destroy --all >/dev/null 2>&1
expect_clean "after the README's commands"
finish
