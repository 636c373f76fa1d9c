/*
 * fault.c -- faults inside a namespace: ns:nft (nftables), ns:flap (a link
 * that goes down and up in a process of its own).
 */
#include <stdlib.h>

#include "fault.h"
#include "nsrun.h"

/* ns:nft(commands) -> what nft printed: nft's syntax, run in the
 * namespace (libnftables) */
static int m_nft(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };
	char *out = NULL;
	int err = nsr_nft(ns, luaL_checkstring(L, 2), &out, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_pushstring(L, out ? out : "");
	free(out);
	return 1;
}

/* ns:flap(ifname, peer_ns | nil, peer_ifname | nil, period_ms, count [, journal])
 * -> pid, start */
static int m_flap(lua_State *L)
{
	nsr_ns *a = nsrun_checkns(L, 1), *b = NULL;
	const char *ifa = luaL_checkstring(L, 2), *ifb = NULL;
	lua_Integer period = luaL_checkinteger(L, 5), count = luaL_checkinteger(L, 6);
	struct nsr_journal *j = lua_isnoneornil(L, 7) ? NULL : nsrun_checkjournal(L, 7);
	unsigned long long start = 0;
	nsr_error e = { 0 };
	pid_t pid;
	int rc;

	if (!lua_isnil(L, 3)) {
		b = nsrun_checkns(L, 3);
		ifb = luaL_checkstring(L, 4);
	}
	luaL_argcheck(L, period >= 2 && period <= 86400000, 5, "a period of 2 ms to a day");
	luaL_argcheck(L, count >= 0 && count <= 0x7fffffff, 6, "a count >= 0");
	rc = nsr_flap(a, ifa, b, ifb, (int)period, (int)count, j, &pid, &start, &e);
	if (rc < 0)
		return nsrun_result(L, rc, &e);
	lua_pushinteger(L, pid);
	lua_pushinteger(L, (lua_Integer)start);
	return 2;
}

static const luaL_Reg methods[] = {
	{ "nft", m_nft },
	{ "flap", m_flap },
	{ NULL, NULL }
};

void nsrun_open_fault(lua_State *L)
{
	nsrun_ns_methods(L, methods);
}
