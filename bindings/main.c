/*
 * main.c -- the nsrun interpreter: Lua 5.4 with the nsrun module preloaded.
 *
 * Small on purpose (like lua.c's pmain): the command line is handled by
 * lua/nsrun/cli.lua; this file gives it a protected call with a traceback
 * and turns SIGINT/SIGTERM into a Lua error, so that the CLI's own
 * handlers tear the lab down.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "nsrun.h"

static lua_State *globalL;	/* only for the signal handler, as in lua.c */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	lua_pushliteral(L, "interrupted");
	lua_error(L);
}

static void on_signal(int sig)
{
	int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;

	signal(sig, SIG_DFL);	/* a second signal ends the process */
	lua_sethook(globalL, stop_hook, flag, 1);
}

/* Errors with __tostring (nsrun's own, which name the script line) print
 * as they are; other errors get a traceback. */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static int pmain(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = lua_touserdata(L, 2);

	luaL_openlibs(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_nsrun);
	lua_setfield(L, -2, "nsrun");
	lua_pop(L, 1);
	nsrun_preload(L);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsrun.cli");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "main");
	lua_createtable(L, argc, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_call(L, 1, 1);
	return 1;
}

int main(int argc, char **argv)
{
	lua_State *L = luaL_newstate();
	int status = 1;

	if (!L) {
		fputs("nsrun: cannot create the Lua state: not enough memory\n", stderr);
		return 1;
	}
	globalL = L;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lua_pushcfunction(L, msghandler);
	lua_pushcfunction(L, pmain);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	if (lua_pcall(L, 2, 1, 1) != LUA_OK)
		fprintf(stderr, "nsrun: %s\n", lua_tostring(L, -1));
	else
		status = (int)lua_tointeger(L, -1);
	lua_close(L);
	return status;
}
