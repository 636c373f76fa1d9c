/*
 * probe.c -- core.probe: parallel ICMP echoes from many namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nsrun.h"
#include "probe.h"
#include "service.h"
#include "trace.h"

/* The C arrays of one run of a prober (probe, connect, trace): the plan
 * and two arrays of results, freed by the GC even if a Lua error cuts the
 * call short. */
typedef struct run {
	nsrun_plan plan;
	void *a, *b;
} run;

static int run_gc(lua_State *L)
{
	run *r = lua_touserdata(L, 1);

	nsrun_plan_free(&r->plan);
	free(r->a);
	free(r->b);
	r->a = r->b = NULL;
	return 0;
}

/* A run on the stack, its plan read from arguments 1-3 (nsrun_probe_plan). */
static run *new_run(lua_State *L)
{
	run *r = lua_newuserdatauv(L, sizeof *r, 0);

	*r = (run){ 0 };
	if (luaL_newmetatable(L, "nsrun.run")) {
		lua_pushcfunction(L, run_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	nsrun_probe_plan(L, &r->plan);
	return r;
}

void *nsrun_alloc(lua_State *L, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		luaL_error(L, "probe: out of memory");
	return p;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* The median of the RTTs that came back (n of them, res's rtt_ms >= 0):
 * what a reader takes for the latency, where a large sweep's average also
 * counts the prober's own queueing. */
static double median(lua_State *L, const nsr_probe_result *res, size_t npairs, size_t n)
{
	float *v = nsrun_alloc(L, n, sizeof *v);
	size_t k = 0;
	double m;

	for (size_t i = 0; i < npairs; i++)
		if (res[i].rtt_ms >= 0)
			v[k++] = res[i].rtt_ms;
	qsort(v, n, sizeof *v, cmp_float);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	free(v);
	return m;
}

void nsrun_push_target(lua_State *L, const nsr_target *t)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(t->family, t->addr, buf, sizeof buf);
	lua_pushstring(L, buf);
}

void nsrun_set_pair(lua_State *L, const nsr_probe_pair *p)
{
	lua_pushinteger(L, p->src + 1);
	lua_setfield(L, -2, "src");
	lua_pushinteger(L, p->dst + 1);
	lua_setfield(L, -2, "dst");
}

void nsrun_set_why(lua_State *L, int err, int icmp_type, int icmp_code, const nsr_target *from)
{
	if (err) {
		lua_pushinteger(L, err);
		lua_setfield(L, -2, "err");
		lua_pushstring(L, strerror(err));
		lua_setfield(L, -2, "reason");
	}
	if (icmp_type) {
		lua_pushinteger(L, icmp_type);
		lua_setfield(L, -2, "icmp");
		lua_pushinteger(L, icmp_code);
		lua_setfield(L, -2, "code");
		nsrun_push_target(L, from);
		lua_setfield(L, -2, "from");
	}
}

void nsrun_probe_plan(lua_State *L, nsrun_plan *r)
{
	size_t nsrc, ntgt, npairs;

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 2, LUA_TTABLE);
	nsrc = luaL_len(L, 1);
	ntgt = luaL_len(L, 2);
	r->src = nsrun_alloc(L, nsrc, sizeof *r->src);
	for (size_t i = 0; i < nsrc; i++) {
		lua_geti(L, 1, (lua_Integer)i + 1);
		r->src[i] = nsrun_checkns(L, -1);
		lua_pop(L, 1);
	}
	r->tgt = nsrun_alloc(L, ntgt, sizeof *r->tgt);
	for (size_t i = 0; i < ntgt; i++) {
		const char *why;
		nsr_prefix p;

		lua_geti(L, 2, (lua_Integer)i + 1);
		if (!lua_isstring(L, -1) ||
		    nsr_prefix_parse(lua_tostring(L, -1), 0, &p, &why) < 0 || p.has_len)
			luaL_error(L, "probe: target %d is not an address", (int)i + 1);
		r->tgt[i].family = p.family;
		memcpy(r->tgt[i].addr, p.addr, 16);
		lua_pop(L, 1);
	}
	if (lua_istable(L, 3)) {
		size_t n = luaL_len(L, 3);

		luaL_argcheck(L, n % 2 == 0, 3, "pairs: { src, dst, src, dst, ... }");
		npairs = n / 2;
		r->pairs = nsrun_alloc(L, npairs, sizeof *r->pairs);
		for (size_t i = 0; i < npairs; i++) {
			lua_Integer s, d;

			lua_geti(L, 3, (lua_Integer)(2 * i + 1));
			lua_geti(L, 3, (lua_Integer)(2 * i + 2));
			s = luaL_checkinteger(L, -2);
			d = luaL_checkinteger(L, -1);
			lua_pop(L, 2);
			luaL_argcheck(L, s >= 1 && (size_t)s <= nsrc && d >= 1 && (size_t)d <= ntgt,
				      3, "a pair names no source or target");
			r->pairs[i] = (nsr_probe_pair){ (uint32_t)s - 1, (uint32_t)d - 1 };
		}
	} else {
		luaL_argcheck(L, nsrc == ntgt, 2, "all pairs: one target per source");
		npairs = nsrc > 1 ? nsrc * (nsrc - 1) : 0;
		r->pairs = nsrun_alloc(L, npairs, sizeof *r->pairs);
		for (size_t i = 0, k = 0; i < nsrc; i++)
			for (size_t j = 0; j < nsrc; j++)
				if (i != j)
					r->pairs[k++] = (nsr_probe_pair){ (uint32_t)i, (uint32_t)j };
	}
	r->nsrc = nsrc;
	r->ntgt = ntgt;
	r->npairs = npairs;
}

void nsrun_plan_free(nsrun_plan *r)
{
	free(r->src);
	free(r->tgt);
	free(r->pairs);
	r->src = NULL;
	r->tgt = NULL;
	r->pairs = NULL;
}

/* probe(sources, targets [, pairs] [, opts]) -> result
 *   sources: namespaces; targets: addresses ("192.0.2.1", "2001:db8::1");
 *   pairs: nil for every source i to every target j ~= i (the two lists are
 *   the same nodes), or a flat array { s1, d1, s2, d2, ... } (1-based);
 *   opts: { timeout_ms =, retries =, window =, rtts = bool, size = bytes of
 *   data (as ping -s), df = bool (Don't Fragment) }.
 * result: { pairs =, ok =, rtt_min =, rtt_avg =, rtt_max =, rtt_median =,
 *   failed = { { src =, dst =, err =, icmp =, code =, from =, mtu = }, ... },
 *   rtts = { ms or false, ... } (with opts.rtts) } */
static int l_probe(lua_State *L)
{
	size_t nsrc, ntgt, npairs;
	nsr_probe_opts o = { 0, -1, 0, 0, -1 };
	int want_rtts = 0, err;
	nsr_error e = { 0 };
	double sum = 0, min = 0, max = 0;
	size_t ok = 0, nfail = 0;
	nsr_probe_result *res;
	run *r;

	if (lua_istable(L, 4)) {
		o.timeout_ms = (int)nsrun_rangefield(L, 4, "timeout_ms", 0, 1, 3600000, "timeout_ms");
		o.retries = (int)nsrun_rangefield(L, 4, "retries", -1, 0, NSR_PROBE_MAX_RETRIES,
						  "retries");
		o.window = (int)nsrun_rangefield(L, 4, "window", 0, 1, 65536, "window");
		o.size = (int)nsrun_rangefield(L, 4, "size", 0, NSR_PROBE_MIN_SIZE, NSR_PROBE_MAX_SIZE,
					       "size");
		o.df = nsrun_boolfield(L, 4, "df");
		want_rtts = nsrun_boolfield(L, 4, "rtts") == 1;
	}
	r = new_run(L);
	nsrc = r->plan.nsrc;
	ntgt = r->plan.ntgt;
	npairs = r->plan.npairs;
	res = r->a = nsrun_alloc(L, npairs, sizeof *res);
	err = nsr_probe(r->plan.src, nsrc, r->plan.tgt, ntgt, r->plan.pairs, npairs, &o, res, &e);
	if (err < 0)
		return nsrun_result(L, err, &e);

	lua_createtable(L, 0, 8);
	lua_newtable(L);	/* failed */
	if (want_rtts)
		lua_createtable(L, (int)npairs, 0);
	for (size_t i = 0; i < npairs; i++) {
		const nsr_probe_result *x = &res[i];

		if (x->rtt_ms >= 0) {
			ok++;
			sum += x->rtt_ms;
			if (ok == 1 || x->rtt_ms < min)
				min = x->rtt_ms;
			if (x->rtt_ms > max)
				max = x->rtt_ms;
		} else {
			lua_createtable(L, 0, 6);
			nsrun_set_pair(L, &r->plan.pairs[i]);
			lua_pushinteger(L, x->attempts);
			lua_setfield(L, -2, "attempts");
			nsrun_set_why(L, x->err, x->icmp_type, x->icmp_code, &x->from);
			if (x->mtu) {
				lua_pushinteger(L, x->mtu);
				lua_setfield(L, -2, "mtu");
			}
			lua_rawseti(L, want_rtts ? -3 : -2, (lua_Integer)++nfail);
		}
		if (want_rtts) {
			if (x->rtt_ms >= 0)
				lua_pushnumber(L, x->rtt_ms);
			else
				lua_pushboolean(L, 0);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	}
	if (want_rtts)
		lua_setfield(L, -3, "rtts");
	lua_setfield(L, -2, "failed");
	lua_pushinteger(L, (lua_Integer)npairs);
	lua_setfield(L, -2, "pairs");
	lua_pushinteger(L, (lua_Integer)ok);
	lua_setfield(L, -2, "ok");
	if (ok) {
		lua_pushnumber(L, min);
		lua_setfield(L, -2, "rtt_min");
		lua_pushnumber(L, sum / ok);
		lua_setfield(L, -2, "rtt_avg");
		lua_pushnumber(L, max);
		lua_setfield(L, -2, "rtt_max");
		lua_pushnumber(L, median(L, res, npairs, ok));
		lua_setfield(L, -2, "rtt_median");
	}
	return 1;
}

static const char *const SVC_STATE[] = { "open", "refused", "filtered", "unreachable" };
static const char *const SVC_LISTENER[] = { "theirs", "ours", "unknown" };

/* connect(sources, targets [, pairs], opts) -> result
 *   opts: { port = 1..65535, udp = bool, timeout_ms =, retries =, window =,
 *   listen = { ns or false, ... } (per target: where to open nsrun's
 *   listener when nothing listens on the port) }.
 * result: { pairs =, open = { { src =, dst =, ms =, listener = }, ... },
 *   closed = { { src =, dst =, state = "refused" | "filtered" |
 *   "unreachable", ms =, attempts =, listener =, err =, reason =, icmp =,
 *   code =, from = }, ... } } */
static int l_connect(lua_State *L)
{
	nsr_svc_opts o = { 0, 0, 0, -1, 0 };
	nsr_error e = { 0 };
	lua_Integer nopen = 0, nclosed = 0;
	nsr_svc_result *res;
	nsr_ns **tgtns;
	run *r;
	int err;

	luaL_checktype(L, 4, LUA_TTABLE);
	o.port = (int)nsrun_rangefield(L, 4, "port", 0, 1, 65535, "port");
	o.udp = nsrun_boolfield(L, 4, "udp") == 1;
	o.timeout_ms = (int)nsrun_rangefield(L, 4, "timeout_ms", 0, 1, 3600000, "timeout_ms");
	o.retries = (int)nsrun_rangefield(L, 4, "retries", -1, 0, 1000, "retries");
	o.window = (int)nsrun_rangefield(L, 4, "window", 0, 1, 4096, "window");
	r = new_run(L);
	tgtns = r->a = nsrun_alloc(L, r->plan.ntgt, sizeof *tgtns);
	if (lua_getfield(L, 4, "listen") == LUA_TTABLE)
		for (size_t t = 0; t < r->plan.ntgt; t++) {
			if (lua_geti(L, -1, (lua_Integer)t + 1) == LUA_TUSERDATA)
				tgtns[t] = nsrun_checkns(L, -1);
			lua_pop(L, 1);
		}
	lua_pop(L, 1);
	res = r->b = nsrun_alloc(L, r->plan.npairs, sizeof *res);
	err = nsr_svc_probe(r->plan.src, r->plan.nsrc, r->plan.tgt, tgtns, r->plan.ntgt,
			    r->plan.pairs, r->plan.npairs, &o, res, &e);
	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, 0, 3);
	lua_newtable(L);	/* open */
	lua_newtable(L);	/* closed */
	for (size_t i = 0; i < r->plan.npairs; i++) {
		const nsr_svc_result *x = &res[i];
		int open = x->state == NSR_SVC_OPEN;

		lua_createtable(L, 0, 8);
		nsrun_set_pair(L, &r->plan.pairs[i]);
		lua_pushnumber(L, x->ms);
		lua_setfield(L, -2, "ms");
		lua_pushstring(L, SVC_LISTENER[x->listener]);
		lua_setfield(L, -2, "listener");
		if (!open) {
			lua_pushstring(L, SVC_STATE[x->state]);
			lua_setfield(L, -2, "state");
			lua_pushinteger(L, x->attempts);
			lua_setfield(L, -2, "attempts");
			nsrun_set_why(L, x->state == NSR_SVC_FILTERED ? 0 : x->err, x->icmp_type,
				      x->icmp_code, &x->from);
		}
		lua_rawseti(L, open ? -3 : -2, open ? ++nopen : ++nclosed);
	}
	lua_setfield(L, -3, "closed");
	lua_setfield(L, -2, "open");
	lua_pushinteger(L, (lua_Integer)r->plan.npairs);
	lua_setfield(L, -2, "pairs");
	return 1;
}

/* trace(sources, targets [, pairs] [, opts]) -> result
 *   opts: { flows = 1..256, hops = 1..64 (the largest TTL), timeout_ms =,
 *   retries = }.
 * result: { { src =, dst =, flows = { { reached = ttl or nil, hops = {
 *   address or false, ... } }, ... } }, ... }: per pair, per flow, who
 *   answered each TTL up to the one the target answered (or the last). */
static int l_trace(lua_State *L)
{
	nsr_trace_opts o = { 1, 16, 0, -1 };
	nsr_error e = { 0 };
	nsr_target *hops;
	uint8_t *reached;
	run *r;
	int err;

	if (lua_istable(L, 4)) {
		o.flows = (int)nsrun_rangefield(L, 4, "flows", 1, 1, NSR_TRACE_MAX_FLOWS, "flows");
		o.max_ttl = (int)nsrun_rangefield(L, 4, "hops", 16, 1, NSR_TRACE_MAX_TTL, "hops");
		o.timeout_ms = (int)nsrun_rangefield(L, 4, "timeout_ms", 0, 1, 3600000, "timeout_ms");
		o.retries = (int)nsrun_rangefield(L, 4, "retries", -1, 0, 100, "retries");
	}
	r = new_run(L);
	hops = r->a = nsrun_alloc(L, r->plan.npairs * (size_t)o.flows * (size_t)o.max_ttl, sizeof *hops);
	reached = r->b = nsrun_alloc(L, r->plan.npairs * (size_t)o.flows, 1);
	err = nsr_trace(r->plan.src, r->plan.nsrc, r->plan.tgt, r->plan.ntgt, r->plan.pairs,
			r->plan.npairs, &o, hops, reached, &e);
	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, (int)r->plan.npairs, 0);
	for (size_t i = 0; i < r->plan.npairs; i++) {
		lua_createtable(L, 0, 3);
		nsrun_set_pair(L, &r->plan.pairs[i]);
		lua_createtable(L, o.flows, 0);
		for (int f = 0; f < o.flows; f++) {
			size_t k = i * (size_t)o.flows + (size_t)f;
			int last = reached[k] ? reached[k] : o.max_ttl;

			lua_createtable(L, 0, 2);
			if (reached[k]) {
				lua_pushinteger(L, reached[k]);
				lua_setfield(L, -2, "reached");
			}
			lua_createtable(L, last, 0);
			for (int t = 0; t < last; t++) {
				const nsr_target *h = &hops[k * (size_t)o.max_ttl + (size_t)t];

				if (h->family)
					nsrun_push_target(L, h);
				else
					lua_pushboolean(L, 0);
				lua_rawseti(L, -2, t + 1);
			}
			lua_setfield(L, -2, "hops");
			lua_rawseti(L, -2, f + 1);
		}
		lua_setfield(L, -2, "flows");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "probe", l_probe },
	{ "connect", l_connect },
	{ "trace", l_trace },
	{ NULL, NULL }
};

void nsrun_open_probe(lua_State *L)
{
	luaL_setfuncs(L, funcs, 0);
}
