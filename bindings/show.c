/*
 * show.c -- what a namespace holds, read back from the kernel (ns:links,
 * ns:addrs, ns:routes): for `nsrun inspect` and checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "nsrun.h"
#include "show.h"

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

/* A route's protocol as iproute2 names it (/etc/iproute2/rt_protos). */
static const char *proto_name(int p, char *num)
{
	switch (p) {
	case 2: return "kernel";
	case 3: return "boot";
	case 4: return "static";
	case 11: return "zebra";
	case 12: return "bird";
	case 186: return "bgp";
	case 187: return "isis";
	case 188: return "ospf";
	case 189: return "rip";
	default:
		snprintf(num, 12, "%d", p);
		return num;
	}
}

/* ns:routes() -> { { dst =, type =, family =, metric =, proto =, nexthops
 * = { { via =, dev =, weight = }, ... } }, ... }: the main table */
static int m_routes(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_routeinfo *a;
	nsr_error e = { 0 };
	int n, err = nsr_show_routes(ns, &a, &n, &e);
	char num[12];

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		SETS("dst", a[i].dst);
		SETS("type", a[i].type);
		SETI("family", a[i].family == AF_INET6 ? 6 : 4);
		SETI("metric", a[i].metric);
		SETS("proto", proto_name(a[i].proto, num));
		lua_createtable(L, a[i].nnh, 0);
		for (int k = 0; k < a[i].nnh; k++) {
			lua_createtable(L, 0, 3);
			if (a[i].nh[k].via[0])
				SETS("via", a[i].nh[k].via);
			if (a[i].nh[k].dev[0])
				SETS("dev", a[i].nh[k].dev);
			SETI("weight", a[i].nh[k].weight);
			if (a[i].nh[k].dead)
				SETB("dead", 1);
			if (a[i].nh[k].linkdown)
				SETB("linkdown", 1);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "nexthops");
		lua_rawseti(L, -2, i + 1);
	}
	nsr_show_routes_free(a, n);
	return 1;
}

/* ns:neighs() -> { { ifname =, addr =, mac =, state =, family = 4|6 }, ... }:
 * the ARP and NDP tables */
static int m_neighs(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_neighinfo *a;
	nsr_error e = { 0 };
	int n, err = nsr_show_neighs(ns, &a, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 5);
		SETS("ifname", a[i].ifname);
		SETS("addr", a[i].addr);
		SETS("mac", a[i].mac);
		SETS("state", a[i].state);
		SETI("family", a[i].family == AF_INET6 ? 6 : 4);
		lua_rawseti(L, -2, i + 1);
	}
	free(a);
	return 1;
}

#undef SETS
#undef SETI
#undef SETB

void nsrun_open_show(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "links", m_links },
		{ "addrs", m_addrs },
		{ "routes", m_routes },
		{ "neighs", m_neighs },
		{ NULL, NULL }
	};

	nsrun_ns_methods(L, methods);
}
