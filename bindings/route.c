/*
 * route.c -- routes and rules of a namespace (ns:route, ns:route_batch,
 * ns:route_del, ns:route_get, ns:rule).
 */
#include <errno.h>
#include <sys/socket.h>

#include "nsrun.h"
#include "route.h"

/* The next hops in the array at t ({ {via=, dev=, weight=}, ... }) into nh,
 * which has room for max; return how many.  what names the route. */
static int nexthops(lua_State *L, int t, nsr_nexthop *nh, int max, const char *what)
{
	int n;

	t = lua_absindex(L, t);
	if (!lua_istable(L, t))
		nsrun_raise(L, EINVAL, "%s: next hops must be a table", what);
	n = (int)lua_rawlen(L, t);
	if (n < 1 || n > max)
		nsrun_raise(L, EINVAL, "%s: %d next hops, not 1..%d", what, n, max);
	for (int i = 0; i < n; i++) {
		if (lua_rawgeti(L, t, i + 1) != LUA_TTABLE)
			nsrun_raise(L, EINVAL, "%s: next hop %d is not a table", what, i + 1);
		nh[i].via = nsrun_strfield(L, -1, "via");
		nh[i].dev = nsrun_strfield(L, -1, "dev");
		nh[i].weight = (int)nsrun_intfield(L, -1, "weight", 0);
		lua_pop(L, 1);
	}
	return n;
}

/* metric=, table= and replace= of the table at t */
static void route_opts(lua_State *L, int t, nsr_route *r)
{
	r->table = (unsigned int)nsrun_rangefield(L, t, "table", 0, 1, 0xffffffffLL, "table");
	r->metric = (int)nsrun_rangefield(L, t, "metric", 0, 0, 0x7fffffff, "metric");
	r->replace = nsrun_boolfield(L, t, "replace") == 1;
}

/* ns:route(dst, { {via=, dev=, weight=}, ... }, { metric=, replace=, table= }) */
static int m_route(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_route r = { .dst = luaL_checkstring(L, 2) };
	nsr_nexthop nh[256];
	nsr_error e = { 0 };

	r.nnh = nexthops(L, 3, nh, 256, r.dst);
	r.nh = nh;
	if (lua_istable(L, 4))
		route_opts(L, 4, &r);
	return nsrun_result(L, nsr_route_add(ns, &r, &e), &e);
}

/* ns:route_batch({ { dst =, nexthops = {...}, metric =, replace =, table =
 * }, ... }) -> true | nil, message, errno: the routes in windows of
 * requests (nsr_routes_add).  An error names its route; the routes before
 * it are in. */
static int m_route_batch(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };
	lua_Integer n;
	size_t hops = 0, used = 0;
	nsr_route *r;
	nsr_nexthop *pool;

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 2);
	for (lua_Integer i = 1; i <= n; i++) {	/* how many next hops in all */
		if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
			nsrun_raise(L, EINVAL, "route %I: a table { dst =, nexthops = } expected", i);
		lua_pushliteral(L, "nexthops");
		if (lua_rawget(L, -2) == LUA_TTABLE)
			hops += lua_rawlen(L, -1);
		lua_pop(L, 2);
	}
	/* the arrays, the GC's (a Lua error cuts nothing short) */
	r = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *r, 0);
	pool = lua_newuserdatauv(L, (hops ? hops : 1) * sizeof *pool, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		nsr_route *x = &r[i - 1];

		lua_rawgeti(L, 2, i);
		*x = (nsr_route){ .dst = nsrun_strfield(L, -1, "dst") };
		if (!x->dst)
			nsrun_raise(L, EINVAL, "route %I: dst must be a string", i);
		lua_pushliteral(L, "nexthops");
		lua_rawget(L, -2);
		x->nh = pool + used;
		x->nnh = nexthops(L, -1, pool + used, (int)(hops - used < 256 ? hops - used : 256), x->dst);
		used += (size_t)x->nnh;
		lua_pop(L, 1);
		route_opts(L, -1, x);
		lua_pop(L, 1);	/* the list still holds the route and its strings */
	}
	return nsrun_result(L, nsr_routes_add(ns, r, (int)n, &e), &e);
}

/* ns:route_del(dst [, { table =, family = 4 | 6 }]) */
static int m_route_del(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *dst = luaL_checkstring(L, 2);
	lua_Integer table = 0, family = 0;
	nsr_error e = { 0 };

	if (lua_istable(L, 3)) {
		table = nsrun_rangefield(L, 3, "table", 0, 1, 0xffffffffLL, "table");
		family = nsrun_rangefield(L, 3, "family", 0, 4, 6, "family");
		if (family == 5)
			nsrun_raise(L, EINVAL, "family 5 is not 4 or 6");
	}
	return nsrun_result(L, nsr_route_del(ns, dst, family == 6 ? AF_INET6 : family == 4 ? AF_INET : 0,
					     (unsigned int)table, &e), &e);
}

/* ns:route_get(addr [, { src =, iif =, proto =, fibmatch = }]) -> { type =,
 * gateway =, dev =, prefsrc =, multipath = }: `ip route get [fibmatch] ADDR
 * [from SRC] [iif IF] [ipproto P]` */
static int m_route_get(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *addr = luaL_checkstring(L, 2);
	nsr_route_query q = { 0 };
	nsr_route_info ri;
	nsr_error e = { 0 };
	int err;

	if (lua_istable(L, 3)) {
		q.src = nsrun_strfield(L, 3, "src");
		q.iif = nsrun_strfield(L, 3, "iif");
		q.proto = (int)nsrun_rangefield(L, 3, "proto", 0, 0, 255, "proto");
		q.fibmatch = nsrun_boolfield(L, 3, "fibmatch") == 1;
	}
	err = nsr_route_get(ns, addr, &q, &ri, &e);
	static const char *const types[] = { "unspec", "unicast", "local", "broadcast",
		"anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat" };

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, ri.type >= 0 && ri.type < 11 ? types[ri.type] : "other");
	lua_setfield(L, -2, "type");
	if (ri.gateway[0]) {
		lua_pushstring(L, ri.gateway);
		lua_setfield(L, -2, "gateway");
	}
	if (ri.dev[0]) {
		lua_pushstring(L, ri.dev);
		lua_setfield(L, -2, "dev");
	}
	if (ri.prefsrc[0]) {
		lua_pushstring(L, ri.prefsrc);
		lua_setfield(L, -2, "prefsrc");
	}
	lua_pushinteger(L, ri.multipath);
	lua_setfield(L, -2, "multipath");
	return 1;
}

/* ns:rule{ from =, to =, iif =, oif =, fwmark =, priority =, table =,
 * family = 4 | 6 }: `ip rule add ...` */
static int m_rule(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_rule r = { 0 };
	nsr_error e = { 0 };
	lua_Integer family;

	luaL_checktype(L, 2, LUA_TTABLE);
	r.from = nsrun_strfield(L, 2, "from");
	r.to = nsrun_strfield(L, 2, "to");
	r.iif = nsrun_strfield(L, 2, "iif");
	r.oif = nsrun_strfield(L, 2, "oif");
	r.table = (unsigned int)nsrun_rangefield(L, 2, "table", 0, 1, 0xffffffffLL, "table");
	r.priority = (unsigned int)nsrun_rangefield(L, 2, "priority", 0, 0, 0xffffffffLL, "priority");
	r.fwmark = (unsigned int)nsrun_rangefield(L, 2, "fwmark", 0, 0, 0xffffffffLL, "fwmark");
	family = nsrun_rangefield(L, 2, "family", 0, 4, 6, "family");
	if (family == 5)
		nsrun_raise(L, EINVAL, "family 5 is not 4 or 6");
	r.family = family == 6 ? AF_INET6 : family == 4 ? AF_INET : 0;
	return nsrun_result(L, nsr_rule_add(ns, &r, &e), &e);
}

void nsrun_open_route(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "route", m_route },
		{ "route_batch", m_route_batch },
		{ "route_del", m_route_del },
		{ "route_get", m_route_get },
		{ "rule", m_rule },
		{ NULL, NULL }
	};

	nsrun_ns_methods(L, methods);
}
