/*
 * docker.c -- the Docker Engine API object: core.docker().
 */
#include <stdlib.h>

#include "docker.h"
#include "nsrun.h"

#define NSRUN_DOCKER_MT "nsrun.docker"

static nsr_docker *checkd(lua_State *L)
{
	nsr_docker **b = luaL_checkudata(L, 1, NSRUN_DOCKER_MT);

	if (!*b)
		luaL_argerror(L, 1, "docker handle is closed");
	return *b;
}

/* docker() -> handle | nil, message */
static int l_docker(lua_State *L)
{
	nsr_docker **b = lua_newuserdatauv(L, sizeof *b, 0);
	nsr_error e = { 0 };
	int err;

	*b = NULL;
	luaL_setmetatable(L, NSRUN_DOCKER_MT);
	if ((err = nsr_docker_open(b, &e)) < 0)
		return nsrun_result(L, err, &e);
	return 1;
}

/* optional array of strings at index i -> argv (NULL when absent) */
static char **optargv(lua_State *L, int i)
{
	if (lua_isnoneornil(L, i))
		return NULL;
	return nsrun_checkargv(L, i);
}

/* d:create(name, image, cmd|nil, env|nil, lab) -> id */
static int m_create(lua_State *L)
{
	nsr_docker *d = checkd(L);
	const char *name = luaL_checkstring(L, 2), *image = luaL_checkstring(L, 3);
	const char *lab = luaL_checkstring(L, 6);
	char **cmd = lua_istable(L, 4) && luaL_len(L, 4) > 0 ? optargv(L, 4) : NULL;
	char **env = lua_istable(L, 5) && luaL_len(L, 5) > 0 ? optargv(L, 5) : NULL;
	nsr_error e = { 0 };
	char id[65];
	int err = nsr_docker_create(d, name, image, cmd, env, lab, id, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_pushstring(L, id);
	return 1;
}

static int m_start(lua_State *L)
{
	nsr_docker *d = checkd(L);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_docker_start(d, luaL_checkstring(L, 2), &e), &e);
}

/* d:inspect(ref) -> { id, name, pid, running, lab } */
static int m_inspect(lua_State *L)
{
	nsr_docker *d = checkd(L);
	nsr_container c;
	nsr_error e = { 0 };
	int err = nsr_docker_inspect(d, luaL_checkstring(L, 2), &c, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	lua_createtable(L, 0, 5);
	lua_pushstring(L, c.id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, c.name);
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, c.pid);
	lua_setfield(L, -2, "pid");
	lua_pushboolean(L, c.running);
	lua_setfield(L, -2, "running");
	lua_pushstring(L, c.lab);
	lua_setfield(L, -2, "lab");
	return 1;
}

static int m_remove(lua_State *L)
{
	nsr_docker *d = checkd(L);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_docker_remove(d, luaL_checkstring(L, 2), &e), &e);
}

static int m_close(lua_State *L)
{
	nsr_docker **b = luaL_checkudata(L, 1, NSRUN_DOCKER_MT);

	nsr_docker_close(*b);
	*b = NULL;
	return 0;
}

static const luaL_Reg methods[] = {
	{ "create", m_create },
	{ "start", m_start },
	{ "inspect", m_inspect },
	{ "remove", m_remove },
	{ "close", m_close },
	{ NULL, NULL }
};

void nsrun_open_docker(lua_State *L)
{
	luaL_newmetatable(L, NSRUN_DOCKER_MT);
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_docker);
	lua_setfield(L, -2, "docker");
}
