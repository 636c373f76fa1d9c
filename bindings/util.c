/*
 * util.c -- what every binding file shares: results and errors, the
 * script's position, fields of options tables, argv arrays.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nsrun.h"

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

void nsrun_where(lua_State *L)
{
	lua_Debug ar;

	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || !strcmp(ar.what, "C"))
			continue;
		if (!strncmp(ar.source, "@[nsrun]", 8))
			continue;	/* nsrun's own Lua, built in */
		if (ar.currentline > 0) {
			lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
			return;
		}
		break;
	}
	lua_pushliteral(L, "");
}

int nsrun_raise(lua_State *L, int errnum, const char *fmt, ...)
{
	va_list ap;

	lua_createtable(L, 0, 2);
	nsrun_where(L);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	lua_setfield(L, -2, "message");
	if (errnum) {
		lua_pushinteger(L, errnum);
		lua_setfield(L, -2, "errno");
	}
	luaL_setmetatable(L, NSRUN_ERROR_MT);
	return lua_error(L);
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

char **nsrun_checkargv(lua_State *L, int i)
{
	lua_Integer n;
	char **argv;

	i = lua_absindex(L, i);
	if (!lua_istable(L, i))
		nsrun_raise(L, EINVAL, "a command must be an argv table, got %s", luaL_typename(L, i));
	n = luaL_len(L, i);
	if (n < 1 || n >= 4096)
		nsrun_raise(L, EINVAL, "a command must hold 1..4095 words, got %I", n);
	/* The array, and a table (its user value) that anchors each string:
	 * a number is converted to a new string, which the table keeps
	 * alive as long as the array is (the Lua manual: a string's pointer
	 * is valid only while the string is reachable). */
	argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *argv, 1);
	lua_createtable(L, (int)n, 0);
	for (lua_Integer k = 1; k <= n; k++) {
		int t = lua_geti(L, i, k);

		if (t != LUA_TSTRING && t != LUA_TNUMBER)
			nsrun_raise(L, EINVAL, "a command's words must be strings: word %I is a %s",
				    k, luaL_typename(L, -1));
		lua_tostring(L, -1);	/* a number becomes a string, on the stack */
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, k);	/* anchored */
		argv[k - 1] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	argv[n] = NULL;
	lua_setiuservalue(L, -2, 1);
	return argv;
}

/* t.k, read raw, on the stack; its type */
static int rawfield(lua_State *L, int t, const char *k)
{
	t = lua_absindex(L, t);
	lua_pushstring(L, k);
	return lua_rawget(L, t);
}

const char *nsrun_strfield(lua_State *L, int t, const char *k)
{
	int type = rawfield(L, t, k);
	const char *s;

	if (type != LUA_TNIL && type != LUA_TSTRING)
		nsrun_raise(L, EINVAL, "field '%s' must be a string, got %s", k, luaL_typename(L, -1));
	s = lua_tostring(L, -1);
	lua_pop(L, 1);	/* the table still holds the string */
	return s;
}

lua_Integer nsrun_intfield(lua_State *L, int t, const char *k, lua_Integer def)
{
	lua_Integer v = def;
	int isint = 1;

	if (rawfield(L, t, k) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			nsrun_raise(L, EINVAL, "field '%s' must be an integer, got %s", k,
				    luaL_typename(L, -1));
		v = lua_tointegerx(L, -1, &isint);
		if (!isint)
			nsrun_raise(L, EINVAL, "field '%s' must be an integer, got %s", k,
				    luaL_tolstring(L, -1, NULL));
	}
	lua_pop(L, 1);
	return v;
}

lua_Integer nsrun_rangefield(lua_State *L, int t, const char *k, lua_Integer def,
			     lua_Integer min, lua_Integer max, const char *what)
{
	lua_Integer v;

	if (rawfield(L, t, k) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	lua_pop(L, 1);
	v = nsrun_intfield(L, t, k, def);
	if (v < min || v > max)
		nsrun_raise(L, EINVAL, "%s %I is not %I..%I", what, v, min, max);
	return v;
}

double nsrun_numfield(lua_State *L, int t, const char *k)
{
	double v = 0;

	if (rawfield(L, t, k) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			nsrun_raise(L, EINVAL, "field '%s' must be a number, got %s", k,
				    luaL_typename(L, -1));
		v = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

int nsrun_boolfield(lua_State *L, int t, const char *k)
{
	int v = -1;

	if (rawfield(L, t, k) != LUA_TNIL)
		v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}
