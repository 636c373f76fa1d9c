#!/usr/bin/env bash
# The scale benchmark (run by bench/run, inside its isolation): the whole
# run of `nsrun --rm scenarios/fattree.lua k=K sample=100` per namespace at
# each arity, each started once the kernel has freed the previous lab (its
# memory back within 2 %, or 300 s); then CYCLES builds and destroys of a
# k=CYCLE_K fabric back to back, without waiting, the kernel's freeing of
# one lab overlapping the next build.  Writes $OUT (a Markdown table).
#   SIZES=8,16,24,32 CYCLES=5 CYCLE_K=16 OUT=bench/results/scale.md bash bench/scale.sh
set -euo pipefail
SIZES=${SIZES:-8,16,24,32}
CYCLES=${CYCLES:-5}
CYCLE_K=${CYCLE_K:-16}
OUT=${OUT:-bench/results/scale.md}
NSRUN=${NSRUN:-build/nsrun}

avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
now() { date +%s.%N; }
# wait until MemAvailable is within 2 % of $1 (KiB) of what it was, or 300 s: prints seconds
settle() {
  local want=$1 t0; t0=$(now)
  while [ "$(avail)" -lt $((want - want / 50)) ] && [ "$(echo "$(now) - $t0 < 300" | bc)" = 1 ]; do sleep 0.5; done
  printf '%.2f\n' "$(echo "$(now) - $t0" | bc)"
}
# one whole run: "wall build addresses routes kernel_mib"
run() {
  local k=$1 a0 t0 t1 out
  a0=$(avail); t0=$(now)
  out=$("$NSRUN" --rm scenarios/fattree.lua k="$k" sample=100 2>&1 | grep "was up") || true
  t1=$(now)
  [ -n "$out" ] || { echo "fail"; return; }
  echo "$(printf '%.2f' "$(echo "$t1 - $t0" | bc)") $(echo "$out" | sed -n 's/.*build \([0-9.]*\) s, addresses \([0-9.]*\) s, routes \([0-9.]*\) s.*/\1 \2 \3/p') $a0"
}

base=$(avail)
{
  echo "# Scale: whole runs per namespace, and back-to-back cycles"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, open-file limit $(ulimit -n)."
  echo "Each run: \`nsrun --rm scenarios/fattree.lua k=K sample=100\` (build, address, route, a"
  echo "100-pair check, destroy), started once the kernel had freed the previous lab."
  echo
  echo "| k | namespaces | whole run s | per namespace ms | ratio to k=${SIZES%%,*} | build s | addresses s | routes s | kernel frees s |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$OUT"
first=
for k in ${SIZES//,/ }; do
  settle "$base" >/dev/null
  n=$(( k * k * k / 4 + 5 * k * k / 4 ))
  read -r wall build addrs routes _ <<<"$(run "$k")"
  if [ "$wall" = fail ]; then echo "| $k | $n | failed | | | | | | |" >>"$OUT"; continue; fi
  freed=$(settle "$base")
  per=$(printf '%.2f' "$(echo "scale=3; $wall * 1000 / $n" | bc)")
  first=${first:-$per}
  echo "| $k | $n | $wall | $per | $(printf '%.2f' "$(echo "scale=3; $per / $first" | bc)") | $build | $addrs | $routes | $freed |" >>"$OUT"
  echo "k=$k: $wall s, $per ms per namespace, freed in $freed s" >&2
done
{
  echo
  echo "## $CYCLES builds and destroys of k=$CYCLE_K back to back"
  echo
  echo "| cycle | whole run s | build s | routes s | ratio to the first |"
  echo "|---|---|---|---|---|"
} >>"$OUT"
settle "$base" >/dev/null
one=
for i in $(seq 1 "$CYCLES"); do
  read -r wall build _ routes _ <<<"$(run "$CYCLE_K")"
  one=${one:-$wall}
  echo "| $i | $wall | $build | $routes | $(printf '%.2f' "$(echo "scale=3; $wall / $one" | bc)") |" >>"$OUT"
  echo "cycle $i: $wall s" >&2
done
freed=$(settle "$base")
echo >>"$OUT"
echo "After the last cycle the kernel took $freed s more to free what the labs held." >>"$OUT"
echo "wrote $OUT" >&2
