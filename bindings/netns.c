/*
 * netns.c -- the namespace object (class nsrun.ns): made, attached, opened,
 * closed, deleted; its sysctls; names and prefixes checked as the core
 * checks them.  Its other methods are added by link.c, addr.c, route.c,
 * qdisc.c, show.c and proc.c (nsrun_ns_methods).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nsrun.h"
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

/* delete_many({ name, ... } [, missing_ok]) -> true, or nil, message (the
 * first failure's), errno, the number that failed */
static int l_delete_many(lua_State *L)
{
	lua_Integer n = (luaL_checktype(L, 1, LUA_TTABLE), luaL_len(L, 1));
	char **names = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *names, 0);
	nsr_error e = { 0 };
	int failed;

	for (lua_Integer i = 0; i < n; i++) {
		lua_geti(L, 1, i + 1);
		names[i] = (char *)luaL_checkstring(L, -1);
		lua_pop(L, 1);	/* the table keeps the string */
	}
	if ((failed = nsr_ns_delete_many(names, (int)n, lua_toboolean(L, 2), &e)) == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	nsrun_result(L, e.code ? e.code : -EIO, &e);
	lua_pushinteger(L, failed);
	return 4;
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
 * has_len = true, addr = "192.0.2.1" (as the kernel writes it:
 * "fd00::a00:102" for "fd00::10.0.1.2") }, or nil, reason. */
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
	{
		nsr_target t = { .family = p.family };

		memcpy(t.addr, p.addr, p.family == AF_INET ? 4 : 16);
		nsrun_push_target(L, &t);
		lua_setfield(L, -2, "addr");
	}
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
	{ "delete_many", l_delete_many },
	{ "exists", l_exists },
	{ "list", l_list },
	{ "ifname_invalid", l_ifname_invalid },
	{ "name_invalid", l_name_invalid },
	{ "prefix", l_prefix },
	{ "ntop", l_ntop },
	{ NULL, NULL }
};

void nsrun_ns_methods(lua_State *L, const luaL_Reg *methods)
{
	luaL_getmetatable(L, NSRUN_NS_MT);
	lua_getfield(L, -1, "__index");
	luaL_setfuncs(L, methods, 0);
	lua_pop(L, 2);
}

void nsrun_open_netns(lua_State *L)
{
	luaL_newmetatable(L, NSRUN_NS_MT);
	luaL_setfuncs(L, ns_meta, 0);
	luaL_newlib(L, ns_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, funcs, 0);
}
