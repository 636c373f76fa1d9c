#!/usr/bin/env bash
# The benchmark of labs across machines (run by bench/run, inside its
# isolation): the same fat-tree (scenarios/fattree.lua k=MK: built,
# addressed, routed, every host to every host, removed) by nsrun alone, then
# by nsrun --hosts over one, two and three machines made of namespaces
# (tests/machines/netns.sh: sshd in each, one kernel for all).  Each run's
# wall time, its ratio to nsrun alone, the links cut, the nodes per machine.
# Writes $OUT (Markdown).
#   MK=8 RUNS=3 OUT=bench/results/machines.md bash bench/machines.sh
set -uo pipefail
MK=${MK:-8}
RUNS=${RUNS:-3}
OUT=${OUT:-bench/results/machines.md}
NSRUN=$(readlink -f "${NSRUN:-build/nsrun}")

. tests/machines/netns.sh
for i in 1 2 3; do machine "$i" || exit 1; done

now() { date +%s.%N; }
# one run: prints "seconds<TAB>output"
timed() {
  local t0 out
  t0=$(now)
  out=$("$NSRUN" "$@" 2>&1) || { echo "bench/machines.sh: nsrun $* failed:" >&2; echo "$out" >&2; exit 1; }
  printf '%s\t%s\n' "$(echo "$(now) - $t0" | bc)" "$(tr '\n' '|' <<<"$out")"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A secs=() cut=() per=() pairs=()
configs=(alone m1 m1,m2 m1,m2,m3)
for c in "${configs[@]}"; do
  list=()
  for _ in $(seq "$RUNS"); do
    if [ "$c" = alone ]; then line=$(timed --rm scenarios/fattree.lua k="$MK")
    else line=$(timed --hosts "$c" --rm scenarios/fattree.lua k="$MK"); fi
    list+=("${line%%$'\t'*}")
    out=${line#*$'\t'}
  done
  secs[$c]=$(printf '%s\n' "${list[@]}" | median)
  cut[$c]=$(grep -o '([0-9]* across machines)' <<<"$out" | tr -dc 0-9)
  per[$c]=$(grep -o 'nodes per machine: [^|]*' <<<"$out" | sed 's/nodes per machine: //')
  pairs[$c]=$(grep -o '[0-9,]* pairs' <<<"$out" | head -n1)
  echo "bench/machines.sh: $c: ${secs[$c]} s (runs: ${list[*]})" >&2
done

{
  echo "# One lab across machines: the same fat-tree alone and over 1, 2, 3 machines"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC, kernel $(uname -r), $(nproc) CPUs."
  echo "Each run: \`nsrun [--hosts H] --rm scenarios/fattree.lua k=$MK\` (built, addressed, routed,"
  echo "${pairs[alone]:-every pair} every host to every host, removed), the median of $RUNS."
  echo "The machines are made of namespaces on this one machine (tests/machines/netns.sh: a network"
  echo "and a mount namespace each, sshd in each, one kernel and $(nproc) CPUs for all): what is"
  echo "measured is what running across machines adds (ssh, the rehearsal, the controller's copy of"
  echo "the script, VXLAN ends, gathering the probes), not what more machines would give."
  echo
  echo "| run | whole run s | ratio to nsrun alone | links cut | nodes per machine |"
  echo "|---|---|---|---|---|"
  for c in "${configs[@]}"; do
    name=$([ "$c" = alone ] && echo "nsrun alone" || echo "--hosts $c")
    printf '| %s | %.2f | %.2f | %s | %s |\n' "$name" "${secs[$c]}" \
      "$(echo "${secs[$c]} / ${secs[alone]}" | bc -l)" "${cut[$c]:--}" "${per[$c]:--}"
  done
} >"$OUT"
cat "$OUT"
