/*
 * outage.c -- core.outage: the continuous prober (core/outage.h).
 *   local run = core.outage(sources, targets [, pairs] [, opts])
 *   run:answered() -> pairs answered so far
 *   run:mark()     -- the fault begins now
 *   run:applied()  -- the fault is in place: hold counts from now
 *   run:close()    -- stop at once (a fault that raised)
 *   run:wait()     -> result (see m_wait)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nsrun.h"
#include "outage.h"

#define NSRUN_OUTAGE_MT "nsrun.outage"

typedef struct obox {
	nsrun_plan plan;
	nsr_outage *o;
	int waited;
} obox;

static obox *check(lua_State *L)
{
	return luaL_checkudata(L, 1, NSRUN_OUTAGE_MT);
}

static int m_gc(lua_State *L)
{
	obox *b = check(L);

	nsr_outage_free(b->o);
	b->o = NULL;
	nsrun_plan_free(&b->plan);
	return 0;
}

/* outage(sources, targets [, pairs] [, opts]): opts { interval_ms =,
 * timeout_ms =, hold_ms =, within_ms = } */
static int l_outage(lua_State *L)
{
	nsr_outage_opts o = { 0 };
	nsr_error e = { 0 };
	obox *b;
	int err;

	if (lua_istable(L, 4)) {
		lua_getfield(L, 4, "interval_ms");
		if (!lua_isnil(L, -1)) {
			lua_Number ms = luaL_checknumber(L, -1);

			if (!(ms >= 1 && ms <= 60000))
				nsrun_raise(L, EINVAL, "interval %g ms: 1 ms to 60 s", (double)ms);
			o.interval_us = (int)(ms * 1000 + 0.5);
		}
		lua_pop(L, 1);
		o.timeout_ms = (int)nsrun_rangefield(L, 4, "timeout_ms", 0, 1, 60000, "timeout_ms");
		o.hold_ms = (int)nsrun_rangefield(L, 4, "hold_ms", 0, 1, 3600000, "hold_ms");
		o.within_ms = (int)nsrun_rangefield(L, 4, "within_ms", 0, 1, 3600000, "within_ms");
	}
	b = lua_newuserdatauv(L, sizeof *b, 1);
	memset(b, 0, sizeof *b);
	luaL_setmetatable(L, NSRUN_OUTAGE_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);	/* the sources' handles live as long */
	nsrun_probe_plan(L, &b->plan);
	err = nsr_outage_start(b->plan.src, b->plan.nsrc, b->plan.tgt, b->plan.ntgt,
			       b->plan.pairs, b->plan.npairs, &o, &b->o, &e);
	if (err < 0)
		return nsrun_result(L, err, &e);
	return 1;
}

static int m_answered(lua_State *L)
{
	obox *b = check(L);

	luaL_argcheck(L, b->o && !b->waited, 1, "the run has ended");
	lua_pushinteger(L, (lua_Integer)nsr_outage_answered(b->o));
	return 1;
}

static int m_applied(lua_State *L)
{
	obox *b = check(L);

	luaL_argcheck(L, b->o && !b->waited, 1, "the run has ended");
	nsr_outage_applied(b->o);
	return 0;
}

static int m_mark(lua_State *L)
{
	obox *b = check(L);

	luaL_argcheck(L, b->o && !b->waited, 1, "the run has ended");
	nsr_outage_mark(b->o);
	return 0;
}

/* run:wait() -> { pairs =, interval_ms =, drops =, skipped =, lost = { per slot },
 *   hit = { { src =, dst =, sent =, lost =, first_ms =, last_ms =,
 *             err =, reason =, icmp =, code =, from = }, ... },
 *   silent = { { src =, dst = }, ...: pairs that never answered } } */
static int m_wait(lua_State *L)
{
	obox *b = check(L);
	nsr_error e = { 0 };
	const nsr_outage_pair *res;
	const uint32_t *lost;
	size_t nslots, nhit = 0, nsilent = 0;
	double ms;
	int err;

	luaL_argcheck(L, b->o && !b->waited, 1, "the run has ended");
	b->waited = 1;
	if ((err = nsr_outage_wait(b->o, &e)) < 0)
		return nsrun_result(L, err, &e);
	res = nsr_outage_results(b->o);
	ms = nsr_outage_interval_us(b->o) / 1000.0;
	nslots = nsr_outage_slots(b->o, &lost);
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, (lua_Integer)b->plan.npairs);
	lua_setfield(L, -2, "pairs");
	lua_pushnumber(L, ms);
	lua_setfield(L, -2, "interval_ms");
	lua_pushinteger(L, (lua_Integer)nsr_outage_send_drops(b->o));
	lua_setfield(L, -2, "drops");
	lua_pushinteger(L, (lua_Integer)nsr_outage_skipped(b->o));
	lua_setfield(L, -2, "skipped");
	lua_createtable(L, (int)nslots, 0);
	for (size_t k = 0; k < nslots; k++) {
		lua_pushinteger(L, lost[k]);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "lost");
	lua_newtable(L);	/* hit */
	lua_newtable(L);	/* silent */
	for (size_t i = 0; i < b->plan.npairs; i++) {
		const nsr_outage_pair *x = &res[i];

		if (!x->answered) {
			lua_createtable(L, 0, 2);
			nsrun_set_pair(L, &b->plan.pairs[i]);
			lua_rawseti(L, -2, (lua_Integer)++nsilent);
		}
		if (x->lost == 0)
			continue;
		lua_createtable(L, 0, 10);
		nsrun_set_pair(L, &b->plan.pairs[i]);
		lua_pushinteger(L, x->sent);
		lua_setfield(L, -2, "sent");
		lua_pushinteger(L, x->lost);
		lua_setfield(L, -2, "lost");
		lua_pushnumber(L, x->first_lost * ms);
		lua_setfield(L, -2, "first_ms");
		lua_pushnumber(L, x->last_lost * ms);
		lua_setfield(L, -2, "last_ms");
		nsrun_set_why(L, x->err, x->icmp_type, x->icmp_code, &x->from);
		lua_rawseti(L, -3, (lua_Integer)++nhit);
	}
	lua_setfield(L, -3, "silent");
	lua_setfield(L, -2, "hit");
	return 1;
}

static const luaL_Reg methods[] = {
	{ "answered", m_answered },
	{ "mark", m_mark },
	{ "applied", m_applied },
	{ "close", m_gc },
	{ "wait", m_wait },
	{ "__gc", m_gc },
	{ "__close", m_gc },
	{ NULL, NULL }
};

static const luaL_Reg funcs[] = {
	{ "outage", l_outage },
	{ NULL, NULL }
};

void nsrun_open_outage(lua_State *L)
{
	if (luaL_newmetatable(L, NSRUN_OUTAGE_MT)) {
		luaL_setfuncs(L, methods, 0);
		lua_pushvalue(L, -1);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	luaL_setfuncs(L, funcs, 0);
}
