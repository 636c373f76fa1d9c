/*
 * addr.c -- addresses and neighbours of a namespace (ns:addr,
 * ns:addr_batch, ns:neigh).
 */
#include <errno.h>

#include "addr.h"
#include "nsrun.h"

/* ns:addr(ifname, cidr [, delete]) */
static int m_addr(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *cidr = luaL_checkstring(L, 3);
	nsr_error e = { 0 };

	return nsrun_result(L, lua_toboolean(L, 4) ? nsr_addr_del(ns, ifname, cidr, &e)
						  : nsr_addr_add(ns, ifname, cidr, &e), &e);
}

/* ns:addr_batch({ { ifname =, cidr = }, ... }) -> true | nil, message,
 * errno: the addresses in windows of requests (nsr_addrs_add).  An error
 * names its address. */
static int m_addr_batch(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };
	lua_Integer n;
	nsr_addr *a;

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 2);
	a = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *a, 0);	/* the GC's */
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
			nsrun_raise(L, EINVAL, "address %I: a table { ifname =, cidr = } expected", i);
		a[i - 1].ifname = nsrun_strfield(L, -1, "ifname");
		a[i - 1].cidr = nsrun_strfield(L, -1, "cidr");
		if (!a[i - 1].ifname || !a[i - 1].cidr)
			nsrun_raise(L, EINVAL, "address %I: ifname and cidr must be strings", i);
		lua_pop(L, 1);	/* the list still holds the strings */
	}
	return nsrun_result(L, nsr_addrs_add(ns, a, (int)n, &e), &e);
}

/* ns:neigh(ifname, addr, mac): a permanent neighbour entry */
static int m_neigh(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_neigh_add(ns, luaL_checkstring(L, 2), luaL_checkstring(L, 3),
					     luaL_checkstring(L, 4), &e), &e);
}

void nsrun_open_addr(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "addr", m_addr },
		{ "addr_batch", m_addr_batch },
		{ "neigh", m_neigh },
		{ NULL, NULL }
	};

	nsrun_ns_methods(L, methods);
}
