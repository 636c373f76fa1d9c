#!/usr/bin/env bash
# The scale benchmark (run by bench/run, inside its isolation): the whole
# run of `nsrun --rm scenarios/fattree.lua k=K sample=100` per namespace at
# each arity, each started once the kernel has freed the previous lab (its
# memory back within a tenth of what the lab took, or 300 s); then CYCLES builds and destroys of a
# k=CYCLE_K fabric back to back (the kernel's freeing of one lab overlapping
# the next build), CYCLES more back to back with `nsrun --rm --wait` (each
# destroy waiting for the kernel), and CYCLES more each started once the
# kernel has freed the last (its memory back).  The kernel's memory in use is sampled every 0.2 s throughout.
# Writes $OUT (a Markdown table), and beside it scale.dat, scale-*.dat and
# scale.png (gnuplot, bench/scale.gp).
#   SIZES=8,16,24,32,40 CYCLES=5 CYCLE_K=16 OUT=bench/results/scale.md bash bench/scale.sh
set -euo pipefail
SIZES=${SIZES:-8,16,24,32,40}
CYCLES=${CYCLES:-5}
CYCLE_K=${CYCLE_K:-16}
OUT=${OUT:-bench/results/scale.md}
NSRUN=${NSRUN:-build/nsrun}
dir=$(dirname "$OUT")

avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
now() { date +%s.%N; }
sub() { printf '%.2f' "$(echo "$1 - $2" | bc)"; }
# wait until MemAvailable is back within $2 KiB (default: 2 %) of $1, what
# it was, or 300 s: prints seconds
settle() {
  local want=$1 tol=${2:-$(($1 / 50))} t0; t0=$(now)
  while [ "$(avail)" -lt $((want - tol)) ] && [ "$(echo "$(now) - $t0 < 300" | bc)" = 1 ]; do sleep 0.2; done
  sub "$(now)" "$t0"
}
# a tenth of $1 MiB, 32 MiB at least, in KiB: how close to its start the
# memory must come back once a lab that took $1 MiB is destroyed
tenth() { local t=$(($1 * 1024 / 10)); echo $((t > 32768 ? t : 32768)); }
# every 0.2 s until killed: "seconds MiB" of memory in use beyond $1 (KiB available before)
sampler() {
  local base=$1 t0; t0=$(now)
  while :; do echo "$(sub "$(now)" "$t0") $(( (base - $(avail)) / 1024 ))"; sleep 0.2; done
}
# one whole run: "wall build addresses routes destroy links nroutes" (destroy: from the
# summary line, printed before --rm removes the lab, to nsrun's exit)
run() {
  local k=$1 flags=${2:-} t0 t1 up line out=
  t0=$(now)
  while IFS= read -r line; do
    [[ $line == *"was up"* ]] && { up=$(now); out=$line; }
  done < <("$NSRUN" $flags --rm scenarios/fattree.lua k="$k" sample=100 2>&1)
  t1=$(now)
  [ -n "$out" ] || { echo "fail"; return; }
  echo "$(sub "$t1" "$t0") $(echo "$out" | sed -n 's/.*build \([0-9.]*\) s, addresses \([0-9.]*\) s, routes \([0-9.]*\) s.*/\1 \2 \3/p') $(sub "$t1" "$up") $(echo "$out" | sed -n 's/.* \([0-9]*\) links, .* \([0-9]*\) routes .*/\1 \2/p')"
}
peak() { sort -k2 -n "$1" | tail -1 | cut -d' ' -f2; }

base=$(avail)
{
  echo "# Scale: whole runs per namespace, and back-to-back cycles"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, open-file limit $(ulimit -n)."
  echo "Each run: \`nsrun --rm scenarios/fattree.lua k=K sample=100\` (build, address, route, a"
  echo "100-pair check, destroy), started once the kernel had freed the previous lab. *kernel MiB*:"
  echo "the most MemAvailable fell below its starting value during the run; *kernel frees*: until it was"
  echo "back within a tenth of that (32 MiB at least)."
  echo "Plot: [scale.png](scale.png)."
  echo
  echo "A fat-tree's namespaces get more links and routes each as k grows (links per namespace"
  echo "1.8 at k=8, 2.6 at k=32): *build per object* is the build's time per namespace and link,"
  echo "*per route* the routes' time per route."
  echo
  echo "| k | namespaces | links | routes | whole run s | per namespace ms | ratio to k=${SIZES%%,*} | build s | build per object ms | addresses s | routes s | per route µs | destroy s | kernel frees s | kernel MiB | per namespace KiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"
: >"$dir/scale.dat"
first= tol=
for k in ${SIZES//,/ }; do
  settle "$base" $tol >/dev/null
  n=$(( k * k * k / 4 + 5 * k * k / 4 ))
  sampler "$(avail)" >"$dir/scale-k$k.tmp" & s=$!
  read -r wall build addrs routes destroy links nroutes <<<"$(run "$k")"
  if [ "$wall" = fail ]; then kill $s; echo "| $k | $n | | | failed | | | | | | | | | | | |" >>"$OUT"; continue; fi
  kill $s; wait $s 2>/dev/null || true
  mib=$(peak "$dir/scale-k$k.tmp")
  tol=$(tenth "$mib")
  freed=$(settle "$base" "$tol")
  [ "$k" = "$CYCLE_K" ] && ctol=$tol
  rm -f "$dir/scale-k$k.tmp"
  per=$(printf '%.2f' "$(echo "scale=3; $wall * 1000 / $n" | bc)")
  first=${first:-$per}
  echo "| $k | $n | $links | $nroutes | $wall | $per | $(printf '%.2f' "$(echo "scale=3; $per / $first" | bc)") | $build | $(printf '%.3f' "$(echo "scale=5; $build * 1000 / ($n + $links)" | bc)") | $addrs | $routes | $(printf '%.1f' "$(echo "scale=3; $routes * 1000000 / $nroutes" | bc)") | $destroy | $freed | $mib | $(( mib * 1024 / n )) |" >>"$OUT"
  echo "$n $per $(printf '%.3f' "$(echo "scale=4; $build * 1000 / $n" | bc)") $mib" >>"$dir/scale.dat"
  echo "k=$k: $wall s, $per ms per namespace, freed in $freed s, $mib MiB" >&2
done

ctol=${ctol:-$(tenth 500)}
# CYCLES runs of k=CYCLE_K; $1: "overlap" (back to back), "await" (back to
# back, each run's destroy waiting for the kernel: nsrun --rm --wait) or
# "wait" (each once the kernel has freed the last, its memory back)
cycles() {
  local mode=$1 one= i wall build routes destroy freed total t0 flags=
  settle "$base" "$ctol" >/dev/null
  sampler "$(avail)" >"$dir/scale-$mode.dat" & s=$!
  t0=$(now)
  for i in $(seq 1 "$CYCLES"); do
    if [ "$mode" = wait ] && [ "$i" -gt 1 ]; then settle "$base" "$ctol" >/dev/null; fi
    [ "$mode" = await ] && flags=--wait
    read -r wall build _ routes destroy _ <<<"$(run "$CYCLE_K" "$flags")"
    one=${one:-$build}
    echo "| $i | $wall | $build | $(printf '%.2f' "$(echo "scale=3; $build / $one" | bc)") | $routes | $destroy |" >>"$OUT"
    echo "$mode cycle $i: $wall s, build $build s" >&2
  done
  freed=$(settle "$base" "$ctol")
  total=$(sub "$(now)" "$t0")
  kill $s; wait $s 2>/dev/null || true
  echo >>"$OUT"
  echo "After the last destroy the kernel took $freed s more to free what the labs held: $total s from the first build until the machine was back where it started." >>"$OUT"
}
{
  echo
  echo "## $CYCLES builds and destroys of k=$CYCLE_K back to back"
  echo
  echo "| cycle | whole run s | build s | build, ratio to the first | routes s | destroy s |"
  echo "|---|---|---|---|---|---|"
} >>"$OUT"
cycles overlap
{
  echo
  echo "## $CYCLES builds and destroys of k=$CYCLE_K back to back, each destroy waiting for the kernel (\`nsrun --rm --wait\`)"
  echo
  echo "| cycle | whole run s | build s | build, ratio to the first | routes s | destroy s |"
  echo "|---|---|---|---|---|---|"
} >>"$OUT"
cycles await
{
  echo
  echo "## $CYCLES builds and destroys of k=$CYCLE_K, each once the kernel has freed the last"
  echo
  echo "| cycle | whole run s | build s | build, ratio to the first | routes s | destroy s |"
  echo "|---|---|---|---|---|---|"
} >>"$OUT"
cycles wait
if command -v gnuplot >/dev/null; then
  gnuplot -e "dir='$dir'; k='$CYCLE_K'" bench/scale.gp && echo "wrote $dir/scale.png" >&2
fi
echo "wrote $OUT" >&2
