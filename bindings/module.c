/*
 * module.c -- luaopen_nsrun: the C functions as "nsrun.core", lua/'s files
 * preloaded, and lua/nsrun.lua run to make the module.
 */
#include <errno.h>
#include <stdlib.h>
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

int nsrun_result(lua_State *L, int err, const nsr_error *e)
{
	if (err >= 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_pushnil(L);
	lua_pushstring(L, e->msg[0] ? e->msg : strerror(-err));
	lua_pushinteger(L, -err);
	return 3;
}

/* now() -> seconds on the monotonic clock, for the time of each phase */
static int l_now(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + ts.tv_nsec / 1e9);
	return 1;
}

void nsrun_push_names(lua_State *L, char **names, int n)
{
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, i + 1);
		free(names[i]);
	}
	free(names);
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

int luaopen_nsrun(lua_State *L)
{
	const struct nsrun_embedded *m;

	nsrun_preload(L);
	lua_newtable(L);	/* nsrun.core */
	nsrun_open_netns(L);
	nsrun_open_proc(L);
	nsrun_open_lab(L);
	nsrun_open_probe(L);
	nsrun_open_docker(L);
	nsrun_open_spf(L);
	nsr_raise_nofile();
	lua_pushcfunction(L, l_now);
	lua_setfield(L, -2, "now");
	lua_pushcfunction(L, l_rusage);
	lua_setfield(L, -2, "rusage");
	lua_pushcfunction(L, l_isatty);
	lua_setfield(L, -2, "isatty");
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
