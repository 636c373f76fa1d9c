/*
 * spf.c -- core.spf: static routes by hop count over plain integer arrays
 * (core/spf.h), for lua/nsrun/routing.lua.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsrun.h"
#include "spf.h"

/* The C arrays of one computation, freed by the GC even if a Lua error
 * cuts the call short. */
typedef struct box {
	size_t *adj_first, *own_first, *pfx_first;
	int *adj_to, *owners;
	nsr_spf_prefix *prefixes;
	nsr_spf_result res;
} box;

static void box_free(box *b)
{
	free(b->adj_first);
	free(b->own_first);
	free(b->pfx_first);
	free(b->adj_to);
	free(b->owners);
	free(b->prefixes);
	nsr_spf_free(&b->res);
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

static void push_ints(lua_State *L, const char *name, size_t n,
		      lua_Integer (*get)(const nsr_spf_result *, size_t),
		      const nsr_spf_result *res)
{
	lua_createtable(L, n > INT_MAX ? INT_MAX : (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushinteger(L, get(res, i));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, name);
}

static lua_Integer route_count(const nsr_spf_result *r, size_t i)
{
	return (lua_Integer)(r->route_first[i + 1] - r->route_first[i]);
}

static lua_Integer route_hopset(const nsr_spf_result *r, size_t i)
{
	return r->routes[i].hopset + 1;
}

static lua_Integer hop_count(const nsr_spf_result *r, size_t i)
{
	return (lua_Integer)(r->hop_first[i + 1] - r->hop_first[i]);
}

static lua_Integer hop_entry(const nsr_spf_result *r, size_t i)
{
	return r->hops[i] + 1;
}

/* spf{ degree =, to =, nowners =, owners =, nprefixes =, prefixes =
 *      [, aggregate = true] } -> result, or nil, message, errno
 *   degree: per router, how many adjacency entries it has; to: the entries,
 *   router by router, each the neighbour's number (1-based); entries are
 *   numbered 1.. in that order.  nowners, owners: per destination, how many
 *   owner routers, then all of them; nprefixes, prefixes: per destination,
 *   how many prefixes, then all of them as flat pairs { n, len, n, len, ... }
 *   (n an IPv4 address as an integer).
 * result: { count = { per router, how many routes },
 *   dst = { "10.1.0.0/16", ... }, hopset = { per route, its hop set },
 *   hopcount = { per hop set, how many entries }, hops = { the entries } };
 *   router r's routes follow router r-1's, hop sets follow one another the
 *   same way in hops, each a list of entry numbers in adjacency order. */
static int l_spf(lua_State *L)
{
	nsr_spf_graph g = { 0 };
	nsr_error e = { 0 };
	const nsr_spf_result *res;
	size_t nr, nd, n, total;
	int aggregate, err, t;
	box *b;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "aggregate");
	aggregate = lua_isnil(L, -1) || lua_toboolean(L, -1);
	lua_pop(L, 1);
	b = lua_newuserdatauv(L, sizeof *b, 0);
	memset(b, 0, sizeof *b);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, box_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);

	counts(L, "degree", &b->adj_first, &nr);
	if (nr > INT_MAX - 1)
		return luaL_error(L, "spf: too many routers");
	routers(L, "to", &b->adj_to, b->adj_first[nr], (int)nr);
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
	if (err < 0)
		return nsrun_result(L, nsr_fail(&e, err, "route computation"), &e);

	res = &b->res;
	total = res->route_first[res->nrouters];

	lua_createtable(L, 0, 5);
	push_ints(L, "count", (size_t)res->nrouters, route_count, res);
	lua_createtable(L, total > INT_MAX ? INT_MAX : (int)total, 0);
	for (size_t i = 0; i < total; i++) {
		push_prefix(L, res->routes[i].net, res->routes[i].len);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "dst");
	push_ints(L, "hopset", total, route_hopset, res);
	push_ints(L, "hopcount", (size_t)res->nhopsets, hop_count, res);
	push_ints(L, "hops", res->hop_first[res->nhopsets], hop_entry, res);
	box_free(b);	/* done with; the GC's call then finds nothing */
	return 1;
}

void nsrun_open_spf(lua_State *L)
{
	lua_pushcfunction(L, l_spf);
	lua_setfield(L, -2, "spf");
}
