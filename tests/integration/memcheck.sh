# valgrind memcheck on the scenarios: no invalid access, no definite leak,
# and nothing left behind.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; [ "${CI:-}" = true ] && exit 1; exit 77; }
for s in levels home datacenter fattree; do
  out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$NSRUN" --rm "scenarios/$s.lua" 2>&1)
  rc=$?
  if [ $rc = 0 ]; then pass "valgrind: $s.lua clean"; else fail "valgrind: $s.lua exit $rc: $(echo "$out" | grep '==' | head -20)"; fi
  expect_clean "after $s.lua under valgrind"
done
finish
