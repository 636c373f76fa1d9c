# The module loads in stock lua5.4 (require "nsrun" on LUA_CPATH) and builds
# a lab there; `<close>` tears it down.
. "$(dirname "$0")/lib.sh"

dir=${NSRUN_MODULE_DIR:-$(dirname "$NSRUN")}
export LUA_CPATH="$dir/?.so;;"
want=$("$NSRUN" --version)
out=$(lua5.4 -e 'local n = require "nsrun"; print("nsrun " .. n.version, type(n.lab), type(n.core.probe))' 2>&1)
[ "$out" = "$want	function	function" ] && pass "lua5.4: require \"nsrun\" is this build's module ($want)" \
  || fail "lua5.4 require: '$out', want '$want'"
out=$(lua5.4 - <<'LUA' 2>&1
local nsrun = require "nsrun"
do
  local lab <close> = nsrun.lab("stocklua")
  local a, b = lab:host "sl-a", lab:host "sl-b"
  lab:link(a, b)
  a:addr("eth0", "198.51.100.1/24")
  b:addr("eth0", "198.51.100.2/24")
  local r = a:exec { "ping", "-c", "1", "-W", "2", "198.51.100.2" }
  print("ping", r.ok)
  print("route", b:exec("ip -4 route").stdout)
end
LUA
)
echo "$out"
[[ $out == *"ping	true"* ]] && pass "a lab built from lua5.4 pings" || fail "lua5.4 lab: $out"
[[ $out == *"198.51.100.0/24 dev eth0"* ]] && pass "node:exec output" || fail "node:exec: $out"
expect_clean "after <close>"
finish
