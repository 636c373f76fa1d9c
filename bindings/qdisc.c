/*
 * qdisc.c -- impairments of an interface: netem and tbf (ns:impair,
 * ns:impairment).
 */
#include <stdint.h>

#include "nsrun.h"
#include "qdisc.h"

/* ns:impair(ifname, { delay_us =, jitter_us =, loss =, duplicate =,
 * reorder =, corrupt = (percent), rate = (bit/s), limit = (packets) }):
 * exactly these impairments, replacing any; {} removes them.  (Units are
 * parsed in Lua: node:impair.) */
static int m_impair(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	nsr_impair im = { 0 };
	nsr_error e = { 0 };

	luaL_checktype(L, 3, LUA_TTABLE);
	im.delay_us = (uint32_t)nsrun_rangefield(L, 3, "delay_us", 0, 0, UINT32_MAX, "delay (us)");
	im.jitter_us = (uint32_t)nsrun_rangefield(L, 3, "jitter_us", 0, 0, UINT32_MAX, "jitter (us)");
	im.limit = (uint32_t)nsrun_rangefield(L, 3, "limit", 0, 0, UINT32_MAX, "limit");
	im.rate_bps = (uint64_t)nsrun_rangefield(L, 3, "rate", 0, 0, LUA_MAXINTEGER, "rate");
	im.loss = nsrun_numfield(L, 3, "loss");
	im.duplicate = nsrun_numfield(L, 3, "duplicate");
	im.reorder = nsrun_numfield(L, 3, "reorder");
	im.corrupt = nsrun_numfield(L, 3, "corrupt");
	return nsrun_result(L, nsr_impair_set(ns, ifname, &im, &e), &e);
}

/* ns:impairment(ifname) -> { kind =, delay_us =, ... } as the kernel has it */
static int m_impairment(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *kind;
	nsr_impair im;
	nsr_error e = { 0 };
	int err = nsr_impair_get(ns, ifname, &im, &kind, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, 0, 9);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "kind");
#define SETI(f) if (im.f) { lua_pushinteger(L, (lua_Integer)im.f); lua_setfield(L, -2, #f); }
#define SETN(f) if (im.f > 0) { lua_pushnumber(L, im.f); lua_setfield(L, -2, #f); }
	SETI(delay_us) SETI(jitter_us) SETI(limit)
	SETN(loss) SETN(duplicate) SETN(reorder) SETN(corrupt)
#undef SETI
#undef SETN
	if (im.rate_bps) {
		lua_pushinteger(L, (lua_Integer)im.rate_bps);
		lua_setfield(L, -2, "rate");
	}
	return 1;
}

void nsrun_open_qdisc(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "impair", m_impair },
		{ "impairment", m_impairment },
		{ NULL, NULL }
	};

	nsrun_ns_methods(L, methods);
}
