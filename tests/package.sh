# cmake --install and the Debian package (CPack): the binary, the Lua module
# for stock lua5.4, the man pages and the example scenarios where Debian
# expects them; the installed module loads and the man pages render.
set -u
BUILD=$(readlink -f "${BUILD:-build}")
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" >cpack.log 2>&1) \
  || { echo "FAIL: cpack"; cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/nsrun_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && pass "cpack -G DEB made $(basename "$deb")" || { fail "no .deb"; exit 1; }
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/files"
for f in ./usr/bin/nsrun ./usr/share/man/man1/nsrun.1.gz ./usr/share/man/man7/nsrun-lua.7.gz \
         ./usr/share/doc/nsrun/examples/datacenter.lua ./usr/share/doc/nsrun/README.md; do
  grep -qx "$f" "$tmp/files" && pass "the package holds $f" || fail "missing $f"
done
module=$(grep '/lua/5.4/nsrun.so$' "$tmp/files" | head -1)
[ -n "$module" ] && pass "the package holds the Lua module $module" || fail "no Lua module"
dpkg-deb -f "$deb" Depends | grep -q 'libnl-route-3-200' && pass "Depends (from the libraries it links): $(dpkg-deb -f "$deb" Depends)" \
  || fail "Depends: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -x "$deb" "$tmp/root"
out=$(LUA_CPATH="$tmp/root/${module#./}" lua5.4 -e 'local n = require "nsrun"; print(n.version, type(n.lab))' 2>&1)
[[ $out == *function ]] && pass "stock lua5.4 loads the packaged module: $out" || fail "module: $out"
out=$("$tmp/root/usr/bin/nsrun" --version 2>&1)
[[ $out == "nsrun "* ]] && pass "the packaged nsrun runs: $out" || fail "nsrun --version: $out"
for page in man1/nsrun.1.gz man7/nsrun-lua.7.gz; do
  warnings=$(zcat "$tmp/root/usr/share/man/$page" | groff -Kutf8 -ww -man -z 2>&1)
  [ -z "$warnings" ] && pass "groff -ww: $page is clean troff" || fail "groff -ww $page: $warnings"
  if command -v man >/dev/null; then
    n=$(MANWIDTH=80 man -l "$tmp/root/usr/share/man/$page" 2>/dev/null | wc -l)
    [ "$n" -gt 50 ] && pass "man -l $page renders ($n lines)" || fail "man $page: $n lines"
  fi
done
if [ "$fails" -gt 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
