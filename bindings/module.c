/*
 * module.c -- luaopen_nsrun: the C functions as "nsrun.core", lua/'s files
 * preloaded, and lua/nsrun.lua run to make the module.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "embedded.h"
#include "nsrun.h"
#include "lab.h"
#include "probe.h"

#ifndef NSRUN_VERSION
#define NSRUN_VERSION "0"
#endif

/* now() -> seconds on the monotonic clock, for the time of each phase */
static int l_now(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + ts.tv_nsec / 1e9);
	return 1;
}

/* rusage() -> user s, system s, peak RSS KiB (this process), then user s
 * and system s of its waited-for children */
static int l_rusage(lua_State *L)
{
	struct rusage ru, ch;

	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &ch);
	lua_pushnumber(L, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6);
	lua_pushnumber(L, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	lua_pushinteger(L, ru.ru_maxrss);
	lua_pushnumber(L, ch.ru_utime.tv_sec + ch.ru_utime.tv_usec / 1e6);
	lua_pushnumber(L, ch.ru_stime.tv_sec + ch.ru_stime.tv_usec / 1e6);
	return 5;
}

/* isatty(fd) -> bool */
static int l_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

/* sleep(seconds): wait, in this process (no shell) */
static int l_sleep(lua_State *L)
{
	double s = luaL_checknumber(L, 1);
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	if (s > 0)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	return 0;
}

/* mkdir(path [, mode]) -> true | nil, message, errno: a directory (one
 * that is there already is fine) */
static int l_mkdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	mode_t mode = (mode_t)luaL_optinteger(L, 2, 0755);
	nsr_error e = { 0 };

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return nsrun_result(L, nsr_fail(&e, -errno, "mkdir %s", path), &e);
	return nsrun_result(L, chmod(path, mode) < 0 ? nsr_fail(&e, -errno, "chmod %s", path) : 0, &e);
}

/* chown(path, user, group [, mode]) -> true | nil, message, errno: owned by
 * the user and group of those names (a daemon's, which drops to them) */
static int l_chown(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1), *user = luaL_checkstring(L, 2);
	const char *group = luaL_checkstring(L, 3);
	struct passwd *pw = getpwnam(user);
	struct group *gr = getgrnam(group);
	nsr_error e = { 0 };

	if (!pw || !gr)
		return nsrun_result(L, nsr_failmsg(&e, -ENOENT, "chown %s: no user %s or group %s here",
						   path, user, group), &e);
	if (lchown(path, pw->pw_uid, gr->gr_gid) < 0)
		return nsrun_result(L, nsr_fail(&e, -errno, "chown %s", path), &e);
	if (!lua_isnoneornil(L, 4) && chmod(path, (mode_t)luaL_checkinteger(L, 4)) < 0)
		return nsrun_result(L, nsr_fail(&e, -errno, "chmod %s", path), &e);
	return nsrun_result(L, 0, &e);
}

/* where() -> "script.lua:12: " (see nsrun_where) */
static int l_where(lua_State *L)
{
	nsrun_where(L);
	return 1;
}

static int error_tostring(lua_State *L)
{
	lua_getfield(L, 1, "message");
	if (!lua_isstring(L, -1))
		lua_pushliteral(L, "(nsrun error without a message)");
	return 1;
}

/* core.Error, the class of nsrun's errors: { message =, errno =, object = } */
static void open_error(lua_State *L)
{
	luaL_newmetatable(L, NSRUN_ERROR_MT);
	lua_pushcfunction(L, error_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "__index");
	lua_setfield(L, -2, "Error");
}

/* core.errno: the errno values Lua compares with (ENOENT = 2, ...) */
static void open_errno(lua_State *L)
{
	static const struct {
		const char *name;
		int value;
	} names[] = {
		{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH }, { "EINTR", EINTR },
		{ "EIO", EIO }, { "E2BIG", E2BIG }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN },
		{ "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EBUSY", EBUSY },
		{ "EEXIST", EEXIST }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
		{ "EMFILE", EMFILE }, { "ENFILE", ENFILE }, { "ENOSPC", ENOSPC },
		{ "ERANGE", ERANGE }, { "EOPNOTSUPP", EOPNOTSUPP },
		{ "EAFNOSUPPORT", EAFNOSUPPORT }, { "ENETUNREACH", ENETUNREACH },
		{ "EHOSTUNREACH", EHOSTUNREACH }, { "ECONNREFUSED", ECONNREFUSED },
		{ "ETIMEDOUT", ETIMEDOUT }, { "ENOBUFS", ENOBUFS }, { "ENOTSUP", ENOTSUP },
	};

	lua_createtable(L, 0, (int)(sizeof names / sizeof names[0]));
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		lua_pushinteger(L, names[i].value);
		lua_setfield(L, -2, names[i].name);
	}
	lua_setfield(L, -2, "errno");
}

static int load_embedded(lua_State *L)
{
	const struct nsrun_embedded *m = lua_touserdata(L, lua_upvalueindex(1));

	if (luaL_loadbuffer(L, m->code, m->size, m->chunkname) != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, m->module);
	lua_call(L, 1, 1);
	return 1;
}

void nsrun_preload(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (const struct nsrun_embedded *m = nsrun_embedded; m->module; m++) {
		if (!strcmp(m->module, "nsrun"))
			continue;	/* that one is luaopen_nsrun itself */
		lua_pushlightuserdata(L, (void *)m);
		lua_pushcclosure(L, load_embedded, 1);
		lua_setfield(L, -2, m->module);
	}
	lua_pop(L, 1);
}

static const luaL_Reg funcs[] = {
	{ "now", l_now },
	{ "rusage", l_rusage },
	{ "isatty", l_isatty },
	{ "sleep", l_sleep },
	{ "where", l_where },
	{ "mkdir", l_mkdir },
	{ "chown", l_chown },
	{ NULL, NULL }
};

int luaopen_nsrun(lua_State *L)
{
	const struct nsrun_embedded *m;

	nsrun_preload(L);
	lua_newtable(L);	/* nsrun.core */
	open_error(L);
	open_errno(L);
	nsrun_open_netns(L);
	nsrun_open_link(L);
	nsrun_open_addr(L);
	nsrun_open_route(L);
	nsrun_open_qdisc(L);
	nsrun_open_show(L);
	nsrun_open_proc(L);
	nsrun_open_pipe(L);
	nsrun_open_lab(L);
	nsrun_open_probe(L);
	nsrun_open_outage(L);
	nsrun_open_fault(L);
	nsrun_open_docker(L);
	nsrun_open_spf(L);
	/* a lab holds a descriptor per namespace, a prober a socket per
	 * source: the soft open-file limit up to the hard one, once */
	nsr_raise_nofile();
	luaL_setfuncs(L, funcs, 0);
	lua_pushliteral(L, NSRUN_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushliteral(L, NSR_STATE_DIR);
	lua_setfield(L, -2, "state_dir");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "nsrun.core");
	lua_pop(L, 2);
	for (m = nsrun_embedded; m->module && strcmp(m->module, "nsrun"); m++)
		;
	if (!m->module)
		return luaL_error(L, "nsrun: lua/nsrun.lua was not built in");
	if (luaL_loadbuffer(L, m->code, m->size, m->chunkname) != LUA_OK)
		return lua_error(L);
	lua_pushliteral(L, "nsrun");
	lua_call(L, 1, 1);
	return 1;
}
