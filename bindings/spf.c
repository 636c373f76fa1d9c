/*
 * spf.c -- core.spf: static routes by hop count over plain integer arrays
 * (core/spf.h), for lua/nsrun/routing.lua.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsrun.h"
#include "route.h"
#include "spf.h"

/* The C arrays of one computation, freed by the GC even if a Lua error
 * cuts the call short; then the result, which the object returned keeps,
 * with the names of the adjacency entries (pointers to strings that the
 * object's user values hold). */
typedef struct box {
	size_t *adj_first, *own_first, *pfx_first;
	int *adj_to, *owners;
	nsr_spf_prefix *prefixes;
	nsr_spf_result res;
	const char **via, **via6, **dev;
	nsr_spf_names names;
} box;

/* The graph's arrays, once the result is computed. */
static void box_free_graph(box *b)
{
	free(b->adj_first);
	free(b->own_first);
	free(b->pfx_first);
	free(b->adj_to);
	free(b->owners);
	free(b->prefixes);
	b->adj_first = b->own_first = b->pfx_first = NULL;
	b->adj_to = b->owners = NULL;
	b->prefixes = NULL;
}

static void box_free(box *b)
{
	box_free_graph(b);
	nsr_spf_free(&b->res);
	free(b->via);
	free(b->via6);
	free(b->dev);
	memset(b, 0, sizeof *b);
}

static int box_gc(lua_State *L)
{
	box_free(lua_touserdata(L, 1));
	return 0;
}

static void *alloc(lua_State *L, size_t n, size_t size)
{
	void *p = n <= SIZE_MAX / size - 1 ? calloc(n + 1, size) : NULL;

	if (!p)
		luaL_error(L, "spf: out of memory");
	return p;
}

/* g.name[i], an integer in min..max */
static lua_Integer item(lua_State *L, int t, lua_Integer i, const char *name,
			lua_Integer min, lua_Integer max)
{
	int isint;
	lua_Integer v;

	lua_rawgeti(L, t, i);
	v = lua_tointegerx(L, -1, &isint);
	lua_pop(L, 1);
	if (!isint || v < min || v > max)
		luaL_error(L, "spf: %s[%I] is not an integer in %I..%I", name, i, min, max);
	return v;
}

/* g.name, a table left on the stack; its length in *n */
static int field(lua_State *L, const char *name, size_t *n)
{
	if (lua_getfield(L, 1, name) != LUA_TTABLE)
		luaL_error(L, "spf: %s must be an array", name);
	*n = lua_rawlen(L, -1);
	return lua_gettop(L);
}

/* Offsets (*first)[0..n] from g.name, an array of n counts.  *first is
 * the box's before anything can raise. */
static void counts(lua_State *L, const char *name, size_t **first, size_t *n)
{
	int t = field(L, name, n);
	size_t *f = *first = alloc(L, *n, sizeof *f);

	for (size_t i = 0; i < *n; i++)
		f[i + 1] = f[i] + (size_t)item(L, t, (lua_Integer)i + 1, name, 0, INT_MAX);
	lua_pop(L, 1);
}

/* *v: g.name, an array of total router numbers (1-based), as 0-based ints */
static void routers(lua_State *L, const char *name, int **v, size_t total, int nrouters)
{
	size_t n;
	int t = field(L, name, &n);

	if (n != total)
		luaL_error(L, "spf: %s holds %I entries, the counts say %I", name,
			   (lua_Integer)n, (lua_Integer)total);
	*v = alloc(L, n, sizeof **v);
	for (size_t i = 0; i < n; i++)
		(*v)[i] = (int)item(L, t, (lua_Integer)i + 1, name, 1, nrouters) - 1;
	lua_pop(L, 1);
}

static void push_prefix(lua_State *L, uint32_t net, int len)
{
	char buf[24], *p = buf;
	int part[5] = { net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255, len };

	for (int i = 0; i < 5; i++) {
		int v = part[i];

		if (i)
			*p++ = i == 4 ? '/' : '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	lua_pushlstring(L, buf, (size_t)(p - buf));
}

/* The result object (class nsrun.spf): the box, kept after the computation
 * with only its result; user values 1 and 2 the graph's via and dev arrays
 * (strings per adjacency entry), 3 the nexthops table made for each hop set. */
#define SPF "nsrun.spf"

static const nsr_spf_result *checkres(lua_State *L, int *router)
{
	box *b = luaL_checkudata(L, 1, SPF);
	lua_Integer i = luaL_checkinteger(L, 2);

	luaL_argcheck(L, i >= 1 && i <= b->res.nrouters, 2, "not a router's number");
	*router = (int)i - 1;
	return &b->res;
}

/* res:count(i) -> how many routes router i has */
static int m_count(lua_State *L)
{
	int r;
	const nsr_spf_result *res = checkres(L, &r);

	lua_pushinteger(L, (lua_Integer)(res->route_first[r + 1] - res->route_first[r]));
	return 1;
}

/* The nexthops table of hop set h, { {via=, dev=}, ... }, made once. */
static void push_hops(lua_State *L, const nsr_spf_result *res, int h)
{
	lua_getiuservalue(L, 1, 3);
	if (lua_rawgeti(L, -1, h + 1) == LUA_TTABLE) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	lua_getiuservalue(L, 1, 1);
	lua_getiuservalue(L, 1, 2);
	lua_createtable(L, (int)(res->hop_first[h + 1] - res->hop_first[h]), 0);
	for (size_t k = res->hop_first[h]; k < res->hop_first[h + 1]; k++) {
		lua_createtable(L, 0, 2);
		lua_rawgeti(L, -4, res->hops[k] + 1);
		lua_setfield(L, -2, "via");
		lua_rawgeti(L, -3, res->hops[k] + 1);
		lua_setfield(L, -2, "dev");
		lua_rawseti(L, -2, (lua_Integer)(k - res->hop_first[h]) + 1);
	}
	lua_pushvalue(L, -1);
	lua_rawseti(L, -5, h + 1);
	lua_replace(L, -4);
	lua_pop(L, 2);
}

/* res:routes(i) -> router i's routes, { { dst =, nexthops = }, ... } */
static int m_routes(lua_State *L)
{
	int r;
	const nsr_spf_result *res = checkres(L, &r);
	size_t first = res->route_first[r], n = res->route_first[r + 1] - first;

	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; k++) {
		const nsr_spf_route *rt = &res->routes[first + k];

		lua_createtable(L, 0, 2);
		push_prefix(L, rt->net, rt->len);
		lua_setfield(L, -2, "dst");
		push_hops(L, res, rt->hopset);
		lua_setfield(L, -2, "nexthops");
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

/* res:install(i, ns, family) -> routes, widest | nil, message, errno:
 * router i's routes (family 4), or their IPv6 twins (6: the names given
 * as prefix6 and via6), into ns straight from the result (no table per
 * route), in windows of requests.  widest: the most next hops of one
 * route. */
static int m_install(lua_State *L)
{
	box *b = luaL_checkudata(L, 1, SPF);
	lua_Integer i = luaL_checkinteger(L, 2);
	nsr_ns *ns = nsrun_checkns(L, 3);
	lua_Integer family = luaL_checkinteger(L, 4);
	nsr_error e = { 0 };
	int widest, err;

	luaL_argcheck(L, i >= 1 && i <= b->res.nrouters, 2, "not a router's number");
	luaL_argcheck(L, family == 4 || (family == 6 && b->via6), 4,
		      "4, or 6 when the computation was given prefix6 and via6");
	err = nsr_routes_add_spf(ns, &b->res, (int)i - 1, &b->names, family == 6, &widest, &e);
	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_pushinteger(L, (lua_Integer)(b->res.route_first[i] - b->res.route_first[i - 1]));
	lua_pushinteger(L, widest);
	return 2;
}

/* The strings of array g[name], n of them, as C pointers into *out (the
 * array stays in a user value of the result, so the strings live). */
static void names(lua_State *L, int t, const char *name, size_t n, const char ***out)
{
	*out = alloc(L, n, sizeof **out);
	for (size_t k = 0; k < n; k++) {
		if (lua_rawgeti(L, t, (lua_Integer)k + 1) != LUA_TSTRING)
			luaL_error(L, "spf: %s[%I] must be a string", name, (lua_Integer)k + 1);
		(*out)[k] = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
}

/* spf{ degree =, to =, via =, dev =, nowners =, owners =, nprefixes =,
 *      prefixes = [, aggregate = true] [, prefix6 =, via6 =] } -> result,
 *      or nil, message, errno
 *   degree: per router, how many adjacency entries it has; to: the entries,
 *   router by router, each the neighbour's number (1-based); entries are
 *   numbered 1.. in that order; via, dev: per entry, the neighbour's
 *   address and the router's interface (strings).  nowners, owners: per
 *   destination, how many owner routers, then all of them; nprefixes,
 *   prefixes: per destination, how many prefixes, then all of them as flat
 *   pairs { n, len, n, len, ... } (n an IPv4 address as an integer).
 *   Dual stack: prefix6, the /96 of the IPv6 twins ("fd00::"), and via6,
 *   per entry the IPv6 twin of via.
 * result: an object with res:count(i), res:routes(i) and res:install(i, ns,
 *   family) for router i; a router's routes are sorted by
 *   network (aggregated) or come destination by destination, and a route's
 *   next hops are in adjacency order. */
static int l_spf(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "count", m_count },
		{ "routes", m_routes },
		{ "install", m_install },
		{ NULL, NULL }
	};
	nsr_spf_graph g = { 0 };
	nsr_error e = { 0 };
	size_t nr, nd, n;
	int aggregate, err, t;
	box *b;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "aggregate");
	aggregate = lua_isnil(L, -1) || lua_toboolean(L, -1);
	lua_pop(L, 1);
	b = lua_newuserdatauv(L, sizeof *b, 4);
	memset(b, 0, sizeof *b);
	if (luaL_newmetatable(L, SPF)) {
		lua_pushcfunction(L, box_gc);
		lua_setfield(L, -2, "__gc");
		luaL_newlib(L, methods);
		lua_setfield(L, -2, "__index");
	}
	lua_setmetatable(L, -2);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 3);

	counts(L, "degree", &b->adj_first, &nr);
	if (nr > INT_MAX - 1)
		return luaL_error(L, "spf: too many routers");
	routers(L, "to", &b->adj_to, b->adj_first[nr], (int)nr);
	/* the names of the entries: via and dev (user values 1 and 2), and
	 * in dual stack via6 (4) and prefix6 */
	for (int i = 0; i < 3; i++) {
		static const char *const field_of[] = { "via", "dev", "via6" };
		const char ***dst[] = { &b->via, &b->dev, &b->via6 };
		size_t nn;

		if (i == 2 && lua_getfield(L, 1, "via6") == LUA_TNIL) {
			lua_pop(L, 1);
			break;
		}
		if (i == 2)
			lua_pop(L, 1);
		t = field(L, field_of[i], &nn);
		if (nn != b->adj_first[nr])
			return luaL_error(L, "spf: %s holds %I entries, the degrees say %I", field_of[i],
					  (lua_Integer)nn, (lua_Integer)b->adj_first[nr]);
		names(L, t, field_of[i], nn, dst[i]);
		lua_setiuservalue(L, -2, i == 2 ? 4 : i + 1);
	}
	b->names.via = b->via;
	b->names.dev = b->dev;
	b->names.via6 = b->via6;
	if (b->via6) {
		const char *p6 = (lua_getfield(L, 1, "prefix6"), lua_tostring(L, -1));

		if (!p6 || inet_pton(AF_INET6, p6, b->names.prefix6) != 1)
			return luaL_error(L, "spf: prefix6 must be an IPv6 prefix such as \"fd00::\"");
		lua_pop(L, 1);
	}
	counts(L, "nowners", &b->own_first, &nd);
	if (nd > INT_MAX - 1)
		return luaL_error(L, "spf: too many destinations");
	routers(L, "owners", &b->owners, b->own_first[nd], (int)nr);
	counts(L, "nprefixes", &b->pfx_first, &n);
	if (n != nd)
		return luaL_error(L, "spf: nprefixes and nowners differ in length");
	t = field(L, "prefixes", &n);
	if (n != 2 * b->pfx_first[nd])
		return luaL_error(L, "spf: prefixes holds %I values, the counts say %I pairs",
				  (lua_Integer)n, (lua_Integer)b->pfx_first[nd]);
	b->prefixes = alloc(L, n / 2, sizeof *b->prefixes);
	for (size_t i = 0; i < n / 2; i++) {
		b->prefixes[i].net = (uint32_t)item(L, t, 2 * (lua_Integer)i + 1, "prefixes",
						    0, UINT32_MAX);
		b->prefixes[i].len = (int)item(L, t, 2 * (lua_Integer)i + 2, "prefixes", 0, 32);
	}
	lua_pop(L, 1);

	g.nrouters = (int)nr;
	g.adj_first = b->adj_first;
	g.adj_to = b->adj_to;
	g.ndests = (int)nd;
	g.own_first = b->own_first;
	g.owners = b->owners;
	g.pfx_first = b->pfx_first;
	g.prefixes = b->prefixes;
	err = nsr_spf_routes(&g, aggregate, &b->res);
	box_free_graph(b);
	if (err < 0)
		return nsrun_result(L, nsr_fail(&e, err, "route computation"), &e);
	return 1;
}

void nsrun_open_spf(lua_State *L)
{
	lua_pushcfunction(L, l_spf);
	lua_setfield(L, -2, "spf");
}
