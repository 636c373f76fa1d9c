/*
 * link.c -- links of a namespace: veth pairs, bridges and other devices,
 * their settings, bridge VLANs (ns:veth, ns:bridge, ns:dev, ns:set, ...).
 */
#include <errno.h>
#include <string.h>

#include "dev.h"
#include "link.h"
#include "nsrun.h"
#include "route.h"

/* What an end needs with its link-up: { forwarding = bool, linklocal =
 * false, ignore_linkdown = bool } (nil: nothing) */
static void end_change(lua_State *L, int t, nsr_link_change *c)
{
	if (!lua_istable(L, t))
		return;
	if (nsrun_boolfield(L, t, "forwarding") >= 0)
		c->forwarding = nsrun_boolfield(L, t, "forwarding");
	if (nsrun_boolfield(L, t, "linklocal") == 0)
		c->addr_gen_mode = 1;	/* IN6_ADDR_GEN_MODE_NONE */
	if (nsrun_boolfield(L, t, "ignore_linkdown") >= 0)
		c->ignore_linkdown = nsrun_boolfield(L, t, "ignore_linkdown");
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

/* ns:dev(name, { type = "vlan", link =, id =, ... }): see dev.h */
static void dev_opts(lua_State *L, int t, nsr_dev *d)
{
	if (!d->kind && !(d->kind = nsrun_strfield(L, t, "type")))
		nsrun_raise(L, EINVAL, "field 'type' must be a string");
	d->link = nsrun_strfield(L, t, "link");
	d->master = nsrun_strfield(L, t, "master");
	d->id = nsrun_intfield(L, t, "id", d->id);
	if (!strcmp(d->kind, "vrf"))
		d->id = nsrun_intfield(L, t, "table", d->id);
	d->protocol = nsrun_strfield(L, t, "protocol");
	d->mode = nsrun_strfield(L, t, "mode");
	d->xmit_hash_policy = nsrun_strfield(L, t, "xmit_hash_policy");
	d->lacp_rate = nsrun_strfield(L, t, "lacp_rate");
	d->remote = nsrun_strfield(L, t, "remote");
	d->group = nsrun_strfield(L, t, "group");
	d->local = nsrun_strfield(L, t, "local");
	if (!d->link)
		d->link = nsrun_strfield(L, t, "dev");	/* vxlan's word for it */
	d->miimon = (int)nsrun_rangefield(L, t, "miimon", -1, 0, 0x7fffffff, "miimon");
	d->dstport = (int)nsrun_rangefield(L, t, "dstport", 0, 1, 65535, "dstport");
	d->mtu = (int)nsrun_rangefield(L, t, "mtu", 0, 68, 65535, "mtu");
	d->learning = nsrun_boolfield(L, t, "learning");
	d->stp = nsrun_boolfield(L, t, "stp");
	d->vlan_filtering = nsrun_boolfield(L, t, "vlan_filtering");
	if (lua_getfield(L, t, "via") != LUA_TNIL)
		d->via = nsrun_checkns(L, lua_gettop(L));
	lua_pop(L, 1);	/* the table holds it: the pointer stays good */
}

/* A device of kind (NULL: the options' type), its options at index 3 */
static int add_dev(lua_State *L, const char *kind)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *name = luaL_checkstring(L, 2);
	nsr_dev d = NSR_DEV_DEFAULTS;
	nsr_error e = { 0 };

	d.kind = kind;
	if (!kind || !lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		dev_opts(L, 3, &d);
	}
	return nsrun_result(L, nsr_dev_add(ns, name, &d, &e), &e);
}

static int m_dev(lua_State *L)
{
	return add_dev(L, NULL);
}

/* ns:bridge(name [, { stp = bool, vlan_filtering = bool, mtu = n }]) */
static int m_bridge(lua_State *L)
{
	return add_dev(L, "bridge");
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
		pvid = nsrun_boolfield(L, 4, "pvid") == 1;
		untagged = nsrun_boolfield(L, 4, "untagged") == 1;
		self = nsrun_boolfield(L, 4, "self") == 1;
		del = nsrun_boolfield(L, 4, "del") == 1;
	}
	if (vid < 1 || vid > 4094)
		nsrun_raise(L, EINVAL, "vlan id %I is not 1..4094", vid);
	return nsrun_result(L, nsr_bridge_vlan(ns, ifname, (int)vid, pvid, untagged, self,
					       del, &e), &e);
}

/* ns:set(ifname, { up = bool, mtu = n, mac = "..", master = "br" | false,
 * name = "new", forwarding = bool, rp_filter = 0..2, ignore_linkdown = bool }) */
static int m_set(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	const char *ifname = luaL_checkstring(L, 2);
	nsr_link_change c = NSR_LINK_NOCHANGE;
	nsr_error e = { 0 };

	luaL_checktype(L, 3, LUA_TTABLE);
	c.up = nsrun_boolfield(L, 3, "up");
	c.forwarding = nsrun_boolfield(L, 3, "forwarding");
	lua_pushliteral(L, "master");
	if (lua_rawget(L, 3) == LUA_TBOOLEAN) {
		if (lua_toboolean(L, -1))
			nsrun_raise(L, EINVAL, "field 'master' must be false or a name");
		c.master = "";
	}
	lua_pop(L, 1);
	if (!c.master)
		c.master = nsrun_strfield(L, 3, "master");
	c.rp_filter = (int)nsrun_rangefield(L, 3, "rp_filter", -1, 0, 2, "rp_filter");
	c.ignore_linkdown = nsrun_boolfield(L, 3, "ignore_linkdown");
	c.mtu = (int)nsrun_rangefield(L, 3, "mtu", c.mtu, 68, 65535, "mtu");
	c.mac = nsrun_strfield(L, 3, "mac");
	c.rename = nsrun_strfield(L, 3, "name");
	return nsrun_result(L, nsr_link_set(ns, ifname, &c, &e), &e);
}

static int m_del(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_link_del(ns, luaL_checkstring(L, 2),
					    lua_toboolean(L, 3), &e), &e);
}

/* ns:ifindex(ifname) -> index | nil, message, errno */
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

/* dev_kinds: { { kind =, module =, quiet = }, ... } (core/dev.h) */
static void push_kinds(lua_State *L)
{
	int n = 0;

	lua_newtable(L);
	for (const nsr_devkind *k = nsr_dev_kinds; k->kind; k++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, k->kind);
		lua_setfield(L, -2, "kind");
		lua_pushstring(L, k->module);
		lua_setfield(L, -2, "module");
		if (k->quiet) {
			lua_pushstring(L, k->quiet);
			lua_setfield(L, -2, "quiet");
		}
		lua_rawseti(L, -2, ++n);
	}
}

void nsrun_open_link(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "veth", m_veth },
		{ "bridge", m_bridge },
		{ "dev", m_dev },
		{ "bridge_vlan", m_bridge_vlan },
		{ "set", m_set },
		{ "del", m_del },
		{ "ifindex", m_ifindex },
		{ "link_state", m_link_state },
		{ NULL, NULL }
	};

	nsrun_ns_methods(L, methods);
	push_kinds(L);
	lua_setfield(L, -2, "dev_kinds");
}
