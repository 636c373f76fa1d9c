/*
 * netns.c -- the namespace object: links, addresses, routes, sysctls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "dev.h"
#include "link.h"
#include "nsrun.h"
#include "qdisc.h"
#include "show.h"
#include "route.h"
#include "sysctl.h"

typedef struct nsbox {
	nsr_ns *ns;
} nsbox;

nsr_ns *nsrun_checkns(lua_State *L, int i)
{
	nsbox *b = luaL_checkudata(L, i, NSRUN_NS_MT);

	if (!b->ns)
		luaL_argerror(L, i, "namespace handle is closed");
	return b->ns;
}

/* Box first, then create: a Lua error can never strand the handle. */
static nsbox *newbox(lua_State *L)
{
	nsbox *b = lua_newuserdatauv(L, sizeof *b, 0);

	b->ns = NULL;
	luaL_setmetatable(L, NSRUN_NS_MT);
	return b;
}

/* The box on the top of the stack, or nil, message, errno. */
static int boxed(lua_State *L, int err, nsr_error *e)
{
	return err < 0 ? nsrun_result(L, err, e) : 1;
}

static int l_create(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	nsr_error e = { 0 };
	nsbox *b = newbox(L);

	return boxed(L, nsr_ns_create(name, &b->ns, &e), &e);
}

static int l_attach(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	lua_Integer pid = luaL_checkinteger(L, 2);
	nsr_error e = { 0 };
	nsbox *b = newbox(L);

	return boxed(L, nsr_ns_attach(name, (pid_t)pid, &b->ns, &e), &e);
}

static int l_open(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	nsr_error e = { 0 };
	nsbox *b = newbox(L);

	return boxed(L, nsr_ns_open(name, &b->ns, &e), &e);
}

static int l_root(lua_State *L)
{
	nsr_error e = { 0 };
	nsbox *b = newbox(L);

	return boxed(L, nsr_ns_open_root(&b->ns, &e), &e);
}

static int l_delete(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_ns_delete(name, lua_toboolean(L, 2), &e), &e);
}

/* list() -> the names under /run/netns, sorted */
static int l_list(lua_State *L)
{
	nsr_error e = { 0 };
	char **names;
	int n, err = nsr_ns_list(&names, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	nsrun_push_names(L, names, n);
	return 1;
}

static int l_exists(lua_State *L)
{
	lua_pushboolean(L, nsr_ns_exists(luaL_checkstring(L, 1)));
	return 1;
}

static int push_reason(lua_State *L, const char *why)
{
	if (why)
		lua_pushstring(L, why);
	else
		lua_pushnil(L);
	return 1;
}

static int l_ifname_invalid(lua_State *L)
{
	return push_reason(L, nsr_ifname_invalid(luaL_checkstring(L, 1)));
}

static int l_name_invalid(lua_State *L)
{
	return push_reason(L, nsr_name_invalid(luaL_checkstring(L, 1)));
}

/* prefix("192.0.2.1/24") -> { family = 4, bytes = "\192\0\2\1", len = 24,
 * has_len = true }, or nil, reason. */
static int l_prefix(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1), *why;
	nsr_prefix p;

	if (nsr_prefix_parse(s, 0, &p, &why) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, p.family == AF_INET ? 4 : 6);
	lua_setfield(L, -2, "family");
	lua_pushlstring(L, (const char *)p.addr, p.family == AF_INET ? 4 : 16);
	lua_setfield(L, -2, "bytes");
	lua_pushinteger(L, p.len);
	lua_setfield(L, -2, "len");
	lua_pushboolean(L, p.has_len);
	lua_setfield(L, -2, "has_len");
	return 1;
}

/* ntop(bytes, len) -> "192.0.2.0/24" (or the bare address without len). */
static int l_ntop(lua_State *L)
{
	size_t n;
	const char *bytes = luaL_checklstring(L, 1, &n);
	char buf[INET6_ADDRSTRLEN];

	luaL_argcheck(L, n == 4 || n == 16, 1, "4 or 16 bytes");
	inet_ntop(n == 4 ? AF_INET : AF_INET6, bytes, buf, sizeof buf);
	if (lua_isnoneornil(L, 2))
		lua_pushstring(L, buf);
	else
		lua_pushfstring(L, "%s/%d", buf, (int)luaL_checkinteger(L, 2));
	return 1;
}

static int m_name(lua_State *L)
{
	lua_pushstring(L, nsrun_checkns(L, 1)->name);
	return 1;
}

/* What an end needs with its link-up: { forwarding = bool, linklocal =
 * false } (nil: nothing) */
static void end_change(lua_State *L, int t, nsr_link_change *c)
{
	if (!lua_istable(L, t))
		return;
	if (lua_getfield(L, t, "forwarding") != LUA_TNIL)
		c->forwarding = lua_toboolean(L, -1);
	if (lua_getfield(L, t, "linklocal") == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		c->addr_gen_mode = 1;	/* IN6_ADDR_GEN_MODE_NONE */
	lua_pop(L, 2);
}

/* ns:veth(ifa, nsb, ifb [, enda [, endb]]) */
static int m_veth(lua_State *L)
{
	nsr_ns *a = nsrun_checkns(L, 1), *b;
	const char *ifa = luaL_checkstring(L, 2), *ifb;
	nsr_link_change ca = NSR_LINK_NOCHANGE, cb = NSR_LINK_NOCHANGE;
	nsr_error e = { 0 };

	b = nsrun_checkns(L, 3);
	ifb = luaL_checkstring(L, 4);
	end_change(L, 5, &ca);
	end_change(L, 6, &cb);
	return nsrun_result(L, nsr_veth_add(a, ifa, b, ifb, &ca, &cb, &e), &e);
}

static const char *optfield(lua_State *L, int t, const char *k)
{
	/* a string, not a number lua_tostring would convert, read raw (not
	 * made by an __index): the table must hold what s points to once it
	 * is popped -- a batch reads many before it uses them */
	int type;
	const char *s;

	t = lua_absindex(L, t);
	lua_pushstring(L, k);
	type = lua_rawget(L, t);

	if (type != LUA_TNIL && type != LUA_TSTRING)
		luaL_error(L, "field '%s' must be a string", k);
	s = lua_tostring(L, -1);
	lua_pop(L, 1);	/* the table still holds the string */
	return s;
}

static lua_Integer intfield(lua_State *L, int t, const char *k, lua_Integer def)
{
	lua_Integer v = def;
	int isint = 1;

	t = lua_absindex(L, t);
	if (lua_getfield(L, t, k) != LUA_TNIL)
		v = lua_tointegerx(L, -1, &isint);
	if (!isint)
		luaL_error(L, "field '%s' must be an integer, got %s", k, luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

/* -1 when t.k is nil, else 0 or 1 */
static int boolfield(lua_State *L, int t, const char *k)
{
	int v = -1;

	if (lua_getfield(L, t, k) != LUA_TNIL)
		v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* ns:dev(name, { type = "vlan", link =, id =, ... }): see dev.h */
static void dev_opts(lua_State *L, int t, nsr_dev *d)
{
	lua_Integer v;

	if (!d->kind && !(d->kind = optfield(L, t, "type")))
		luaL_error(L, "field 'type' must be a string");
	d->link = optfield(L, t, "link");
	d->master = optfield(L, t, "master");
	d->id = intfield(L, t, "id", d->id);
	if (!strcmp(d->kind, "vrf"))
		d->id = intfield(L, t, "table", d->id);
	d->protocol = optfield(L, t, "protocol");
	d->mode = optfield(L, t, "mode");
	d->xmit_hash_policy = optfield(L, t, "xmit_hash_policy");
	d->lacp_rate = optfield(L, t, "lacp_rate");
	d->remote = optfield(L, t, "remote");
	d->group = optfield(L, t, "group");
	d->local = optfield(L, t, "local");
	if (!d->link)
		d->link = optfield(L, t, "dev");	/* vxlan's word for it */
	if ((v = intfield(L, t, "miimon", -1)) < -1 || v > 0x7fffffff)
		luaL_error(L, "miimon %I is not 0..2^31-1", v);
	d->miimon = (int)v;
	if ((v = intfield(L, t, "dstport", 0)) < 0 || v > 65535)
		luaL_error(L, "dstport %I is not 1..65535 (0: 4789)", v);
	d->dstport = (int)v;
	if ((v = intfield(L, t, "mtu", 0)) && (v < 68 || v > 65535))
		luaL_error(L, "mtu %I is not 68..65535", v);
	d->mtu = (int)v;
	d->learning = boolfield(L, t, "learning");
	d->stp = boolfield(L, t, "stp");
	d->vlan_filtering = boolfield(L, t, "vlan_filtering");
}

static int m_dev(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *name = luaL_checkstring(L, 2);
	nsr_dev d = NSR_DEV_DEFAULTS;
	nsr_error e = { 0 };

	luaL_checktype(L, 3, LUA_TTABLE);
	dev_opts(L, 3, &d);
	return nsrun_result(L, nsr_dev_add(ns, name, &d, &e), &e);
}

/* ns:bridge(name [, { stp = bool, vlan_filtering = bool, mtu = n }]) */
static int m_bridge(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *name = luaL_checkstring(L, 2);
	nsr_dev d = NSR_DEV_DEFAULTS;
	nsr_error e = { 0 };

	d.kind = "bridge";
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		dev_opts(L, 3, &d);
	}
	return nsrun_result(L, nsr_dev_add(ns, name, &d, &e), &e);
}

/* ns:neigh(ifname, addr, mac): a permanent neighbour entry */
static int m_neigh(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_neigh_add(ns, luaL_checkstring(L, 2), luaL_checkstring(L, 3),
					     luaL_checkstring(L, 4), &e), &e);
}

/* ns:rule{ from =, to =, iif =, oif =, fwmark =, priority =, table =,
 * family = 4 | 6 }: `ip rule add ...` */
static int m_rule(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_rule r = { 0 };
	nsr_error e = { 0 };
	lua_Integer v;

	luaL_checktype(L, 2, LUA_TTABLE);
	r.from = optfield(L, 2, "from");
	r.to = optfield(L, 2, "to");
	r.iif = optfield(L, 2, "iif");
	r.oif = optfield(L, 2, "oif");
	if ((v = intfield(L, 2, "table", 0)) < 1 || v > 0xffffffffLL)
		luaL_error(L, "table %I is not 1..2^32-1", v);
	r.table = (unsigned int)v;
	if ((v = intfield(L, 2, "priority", 0)) < 0 || v > 0xffffffffLL)
		luaL_error(L, "priority %I is not 0..2^32-1", v);
	r.priority = (unsigned int)v;
	if ((v = intfield(L, 2, "fwmark", 0)) < 0 || v > 0xffffffffLL)
		luaL_error(L, "fwmark %I is not 0..2^32-1", v);
	r.fwmark = (unsigned int)v;
	if ((v = intfield(L, 2, "family", 0)) != 0 && v != 4 && v != 6)
		luaL_error(L, "family %I is not 4 or 6", v);
	r.family = v == 6 ? AF_INET6 : v == 4 ? AF_INET : 0;
	return nsrun_result(L, nsr_rule_add(ns, &r, &e), &e);
}

/* ns:bridge_vlan(ifname, vid [, { pvid =, untagged =, self =, del = }]):
 * `bridge vlan add|del dev IFNAME vid VID [pvid] [untagged] [self]` */
static int m_bridge_vlan(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	lua_Integer vid = luaL_checkinteger(L, 3);
	int pvid = 0, untagged = 0, self = 0, del = 0;
	nsr_error e = { 0 };

	if (!lua_isnoneornil(L, 4)) {
		luaL_checktype(L, 4, LUA_TTABLE);
		pvid = boolfield(L, 4, "pvid") == 1;
		untagged = boolfield(L, 4, "untagged") == 1;
		self = boolfield(L, 4, "self") == 1;
		del = boolfield(L, 4, "del") == 1;
	}
	luaL_argcheck(L, vid >= 1 && vid <= 4094, 3, "vlan id must be 1..4094");
	return nsrun_result(L, nsr_bridge_vlan(ns, ifname, (int)vid, pvid, untagged, self,
					       del, &e), &e);
}

/* ns:set(ifname, { up = bool, mtu = n, mac = "..", master = "br" | false,
 * name = "new", forwarding = bool, rp_filter = 0..2 }) */
static int m_set(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	nsr_link_change c = NSR_LINK_NOCHANGE;
	nsr_error e = { 0 };

	lua_Integer mtu;

	luaL_checktype(L, 3, LUA_TTABLE);
	if (lua_getfield(L, 3, "up") != LUA_TNIL)
		c.up = lua_toboolean(L, -1);
	if (lua_getfield(L, 3, "master") == LUA_TBOOLEAN) {
		if (lua_toboolean(L, -1))
			luaL_error(L, "field 'master' must be false or a name");
		c.master = "";
	}
	lua_pop(L, 2);
	if (lua_getfield(L, 3, "forwarding") != LUA_TNIL)
		c.forwarding = lua_toboolean(L, -1);
	lua_pop(L, 1);
	c.rp_filter = (int)intfield(L, 3, "rp_filter", -1);
	if (c.rp_filter < -1 || c.rp_filter > 2)
		luaL_error(L, "rp_filter %d is not 0..2", c.rp_filter);
	if ((mtu = intfield(L, 3, "mtu", -1)) != -1) {
		if (mtu < 68 || mtu > 65535)
			luaL_error(L, "mtu %I is not 68..65535", mtu);
		c.mtu = (int)mtu;
	}
	if (!c.master)
		c.master = optfield(L, 3, "master");
	c.mac = optfield(L, 3, "mac");
	c.rename = optfield(L, 3, "name");
	return nsrun_result(L, nsr_link_set(ns, ifname, &c, &e), &e);
}

static int m_del(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_link_del(ns, luaL_checkstring(L, 2),
					    lua_toboolean(L, 3), &e), &e);
}

static int m_ifindex(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };
	int i = nsr_ifindex(ns, luaL_checkstring(L, 2), &e);

	if (i < 0)
		return nsrun_result(L, i, &e);
	lua_pushinteger(L, i);
	return 1;
}

static int m_addr(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2), *cidr = luaL_checkstring(L, 3);
	nsr_error e = { 0 };

	return nsrun_result(L, lua_toboolean(L, 4) ? nsr_addr_del(ns, ifname, cidr, &e)
						  : nsr_addr_add(ns, ifname, cidr, &e), &e);
}

/* ns:addr_batch({ { ifname =, cidr = }, ... }) -> true | nil, message: the
 * addresses in windows of requests.  An error names its address. */
static int m_addr_batch(lua_State *L)
{
	enum { ADDRS = 64 };
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_addr a[ADDRS];
	nsr_error e = { 0 };
	lua_Integer n;
	int k = 0, err;

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 2);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		luaL_argexpected(L, lua_istable(L, -1), 2, "table of addresses");
		a[k].ifname = optfield(L, -1, "ifname");
		a[k].cidr = optfield(L, -1, "cidr");
		if (!a[k].ifname || !a[k].cidr)
			luaL_error(L, "address %I: ifname and cidr must be strings", i);
		lua_pop(L, 1);	/* the list still holds the strings */
		if (++k == ADDRS || i == n) {
			if ((err = nsr_addrs_add(ns, a, k, &e)) < 0)
				return nsrun_result(L, err, &e);
			k = 0;
		}
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* The next hops in the array at t ({ {via=, dev=, weight=}, ... }) into nh,
 * which has room for max; return how many.  arg names the argument. */
static int nexthops(lua_State *L, int t, nsr_nexthop *nh, int max, int arg)
{
	int n;

	t = lua_absindex(L, t);
	if (!lua_istable(L, t))
		luaL_argerror(L, arg, "next hops must be a table");
	n = (int)lua_rawlen(L, t);
	luaL_argcheck(L, n >= 1 && n <= max, arg, "1..256 next hops");
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, t, i + 1);
		luaL_argcheck(L, lua_istable(L, -1), arg, "next hops are tables");
		nh[i].via = optfield(L, -1, "via");
		nh[i].dev = optfield(L, -1, "dev");
		nh[i].weight = (int)intfield(L, -1, "weight", 0);
		lua_pop(L, 1);
	}
	return n;
}

/* metric=, table= and replace= of the table at t */
static void route_opts(lua_State *L, int t, nsr_route *r)
{
	lua_Integer table = intfield(L, t, "table", 0);

	if (table < 0 || table > 0xffffffffLL)
		luaL_error(L, "table %I is not 1..2^32-1", table);
	r->table = (unsigned int)table;
	r->metric = (int)intfield(L, t, "metric", 0);
	lua_getfield(L, t, "replace");
	r->replace = lua_toboolean(L, -1);
	lua_pop(L, 1);
}

/* ns:route(dst, { {via=, dev=, weight=}, ... }, { metric=, replace= }) */
static int m_route(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_route r = { .dst = luaL_checkstring(L, 2) };
	nsr_nexthop nh[256];
	nsr_error e = { 0 };

	r.nnh = nexthops(L, 3, nh, 256, 3);
	r.nh = nh;
	if (lua_istable(L, 4))
		route_opts(L, 4, &r);
	return nsrun_result(L, nsr_route_add(ns, &r, &e), &e);
}

/* ns:route_batch({ { dst =, nexthops = {...}, metric =, replace = }, ... })
 * -> true | nil, message: the routes in windows of requests (many routes,
 * few syscalls).  An error names its route; the routes before it are in. */
static int m_route_batch(lua_State *L)
{
	enum { ROUTES = 64, HOPS = 1024 };
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_route r[ROUTES];		/* nothing to free if a Lua error */
	nsr_nexthop pool[HOPS];		/* cuts the call short */
	lua_Integer n;
	nsr_error e = { 0 };
	int k = 0, used = 0, err;

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 2);
	for (lua_Integer i = 1; i <= n + 1; i++) {
		int room = 0;

		if (i <= n) {
			lua_rawgeti(L, 2, i);
			luaL_argexpected(L, lua_istable(L, -1), 2, "table of routes");
			lua_pushliteral(L, "nexthops");
			room = lua_rawget(L, -2) == LUA_TTABLE ? (int)lua_rawlen(L, -1) : 0;
			lua_pop(L, 1);
		}
		/* the routes parsed so far go when these would not fit */
		if (k > 0 && (i > n || k == ROUTES || used + room > HOPS)) {
			if ((err = nsr_routes_add(ns, r, k, &e)) < 0)
				return nsrun_result(L, err, &e);
			k = used = 0;
		}
		if (i > n)
			break;
		if (!(r[k].dst = optfield(L, -1, "dst")))
			luaL_error(L, "route %I: dst must be a string", i);
		lua_pushliteral(L, "nexthops");
		lua_rawget(L, -2);
		r[k].nnh = nexthops(L, -1, pool + used, HOPS - used < 256 ? HOPS - used : 256, 2);
		lua_pop(L, 1);
		r[k].nh = pool + used;
		route_opts(L, -1, &r[k]);
		lua_pop(L, 1);	/* the list still holds the route and its strings */
		used += r[k].nnh;
		k++;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static double numfield(lua_State *L, int t, const char *k)
{
	double v = 0;

	if (lua_getfield(L, t, k) != LUA_TNIL) {
		if (!lua_isnumber(L, -1))
			luaL_error(L, "field '%s' must be a number, got %s", k, luaL_typename(L, -1));
		v = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

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
	lua_Integer v;

	luaL_checktype(L, 3, LUA_TTABLE);
	if ((v = intfield(L, 3, "delay_us", 0)) < 0 || v > UINT32_MAX)
		luaL_error(L, "delay %I us is out of range", v);
	im.delay_us = (uint32_t)v;
	if ((v = intfield(L, 3, "jitter_us", 0)) < 0 || v > UINT32_MAX)
		luaL_error(L, "jitter %I us is out of range", v);
	im.jitter_us = (uint32_t)v;
	if ((v = intfield(L, 3, "limit", 0)) < 0 || v > UINT32_MAX)
		luaL_error(L, "limit %I is out of range", v);
	im.limit = (uint32_t)v;
	if ((v = intfield(L, 3, "rate", 0)) < 0)
		luaL_error(L, "rate %I is out of range", v);
	im.rate_bps = (uint64_t)v;
	im.loss = numfield(L, 3, "loss");
	im.duplicate = numfield(L, 3, "duplicate");
	im.reorder = numfield(L, 3, "reorder");
	im.corrupt = numfield(L, 3, "corrupt");
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

#define SETS(k, v) (lua_pushstring(L, v), lua_setfield(L, -2, k))
#define SETI(k, v) (lua_pushinteger(L, v), lua_setfield(L, -2, k))
#define SETB(k, v) (lua_pushboolean(L, v), lua_setfield(L, -2, k))

/* ns:links() -> { { name =, index =, kind =, mac =, master =, up =,
 * lower_up =, mtu = }, ... } as the kernel has them */
static int m_links(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_linkinfo *a;
	nsr_error e = { 0 };
	int n, err = nsr_show_links(ns, &a, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 8);
		SETS("name", a[i].name);
		SETI("index", a[i].index);
		SETS("kind", a[i].kind);
		SETS("mac", a[i].mac);
		if (a[i].master[0])
			SETS("master", a[i].master);
		SETB("up", a[i].up);
		SETB("lower_up", a[i].lower_up);
		SETI("mtu", a[i].mtu);
		lua_rawseti(L, -2, i + 1);
	}
	free(a);
	return 1;
}

/* ns:addrs() -> { { ifname =, cidr =, family = 4|6, link_local = }, ... } */
static int m_addrs(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_addrinfo *a;
	nsr_error e = { 0 };
	int n, err = nsr_show_addrs(ns, &a, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 4);
		SETS("ifname", a[i].ifname);
		SETS("cidr", a[i].cidr);
		SETI("family", a[i].family == AF_INET6 ? 6 : 4);
		SETB("link_local", a[i].link_local);
		lua_rawseti(L, -2, i + 1);
	}
	free(a);
	return 1;
}

/* ns:routes() -> { { dst =, type =, family =, metric =, nexthops = { {
 * via =, dev =, weight = }, ... } }, ... }: the main table */
static int m_routes(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_routeinfo *a;
	nsr_error e = { 0 };
	int n, err = nsr_show_routes(ns, &a, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 5);
		SETS("dst", a[i].dst);
		SETS("type", a[i].type);
		SETI("family", a[i].family == AF_INET6 ? 6 : 4);
		SETI("metric", a[i].metric);
		lua_createtable(L, a[i].nnh, 0);
		for (int k = 0; k < a[i].nnh; k++) {
			lua_createtable(L, 0, 3);
			if (a[i].nh[k].via[0])
				SETS("via", a[i].nh[k].via);
			if (a[i].nh[k].dev[0])
				SETS("dev", a[i].nh[k].dev);
			SETI("weight", a[i].nh[k].weight);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "nexthops");
		lua_rawseti(L, -2, i + 1);
	}
	free(a);
	return 1;
}

#undef SETS
#undef SETI
#undef SETB

/* ns:route_get(addr) -> { type =, gateway =, dev =, multipath = } */
static int m_route_get(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_route_info ri;
	nsr_error e = { 0 };
	int err = nsr_route_get(ns, luaL_checkstring(L, 2), &ri, &e);
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
	lua_pushinteger(L, ri.multipath);
	lua_setfield(L, -2, "multipath");
	return 1;
}

/* ns:link_state(ifname) -> { up =, lower_up =, operstate = } */
static int m_link_state(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };
	char oper[32];
	int up, lower, err = nsr_link_state(ns, luaL_checkstring(L, 2), &up, &lower,
					     oper, sizeof oper, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, 0, 3);
	lua_pushboolean(L, up);
	lua_setfield(L, -2, "up");
	lua_pushboolean(L, lower);
	lua_setfield(L, -2, "lower_up");
	lua_pushstring(L, oper);
	lua_setfield(L, -2, "operstate");
	return 1;
}

static int m_route_del(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_route_del(ns, luaL_checkstring(L, 2), &e), &e);
}

/* ns:sysctl(key) -> value; ns:sysctl(key, value) -> true */
static int m_sysctl(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *key = luaL_checkstring(L, 2);
	nsr_error e = { 0 };
	char buf[4096];
	int err;

	if (!lua_isnoneornil(L, 3))
		return nsrun_result(L, nsr_sysctl_set(ns, key, luaL_checkstring(L, 3), &e), &e);
	if ((err = nsr_sysctl_get(ns, key, buf, sizeof buf, &e)) < 0)
		return nsrun_result(L, err, &e);
	lua_pushstring(L, buf);
	return 1;
}

static int m_close(lua_State *L)
{
	nsbox *b = luaL_checkudata(L, 1, NSRUN_NS_MT);

	nsr_ns_close(b->ns);
	b->ns = NULL;
	return 0;
}

static int m_tostring(lua_State *L)
{
	nsbox *b = luaL_checkudata(L, 1, NSRUN_NS_MT);

	if (!b->ns)
		lua_pushliteral(L, "netns (closed)");
	else if (!b->ns->name[0])
		lua_pushliteral(L, "netns (host)");
	else
		lua_pushfstring(L, "netns %s", b->ns->name);
	return 1;
}

static const luaL_Reg ns_methods[] = {
	{ "name", m_name },
	{ "veth", m_veth },
	{ "bridge", m_bridge },
	{ "dev", m_dev },
	{ "bridge_vlan", m_bridge_vlan },
	{ "rule", m_rule },
	{ "neigh", m_neigh },
	{ "set", m_set },
	{ "del", m_del },
	{ "ifindex", m_ifindex },
	{ "addr", m_addr },
	{ "addr_batch", m_addr_batch },
	{ "route", m_route },
	{ "route_batch", m_route_batch },
	{ "route_del", m_route_del },
	{ "route_get", m_route_get },
	{ "impair", m_impair },
	{ "links", m_links },
	{ "addrs", m_addrs },
	{ "routes", m_routes },
	{ "impairment", m_impairment },
	{ "link_state", m_link_state },
	{ "sysctl", m_sysctl },
	{ "close", m_close },
	{ NULL, NULL }
};

static const luaL_Reg ns_meta[] = {
	{ "__gc", m_close },
	{ "__close", m_close },
	{ "__tostring", m_tostring },
	{ NULL, NULL }
};

static const luaL_Reg funcs[] = {
	{ "create", l_create },
	{ "attach", l_attach },
	{ "open", l_open },
	{ "root", l_root },
	{ "delete", l_delete },
	{ "exists", l_exists },
	{ "list", l_list },
	{ "ifname_invalid", l_ifname_invalid },
	{ "name_invalid", l_name_invalid },
	{ "prefix", l_prefix },
	{ "ntop", l_ntop },
	{ NULL, NULL }
};

void nsrun_open_netns(lua_State *L)
{
	luaL_newmetatable(L, NSRUN_NS_MT);
	luaL_setfuncs(L, ns_meta, 0);
	luaL_newlib(L, ns_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, funcs, 0);
}
