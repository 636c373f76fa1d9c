/*
 * lab.c -- the lab's journal, destroy and list; host-wide limits.
 */
#include <stdlib.h>

#include "lab.h"
#include "netns.h"
#include "hostlimits.h"
#include "nsrun.h"

typedef struct jbox {
	nsr_journal *j;
} jbox;

nsr_journal *nsrun_checkjournal(lua_State *L, int i)
{
	jbox *b = luaL_checkudata(L, i, NSRUN_JOURNAL_MT);

	if (!b->j)
		luaL_argerror(L, i, "journal is closed");
	return b->j;
}

static nsr_journal *checkj(lua_State *L)
{
	return nsrun_checkjournal(L, 1);
}

/* A journal handle from open(name, &j, e): a new lab's, or an existing one */
static int push_journal(lua_State *L, int (*open)(const char *, nsr_journal **, nsr_error *))
{
	const char *name = luaL_checkstring(L, 1);
	jbox *b = lua_newuserdatauv(L, sizeof *b, 0);
	nsr_error e = { 0 };
	int err;

	b->j = NULL;
	luaL_setmetatable(L, NSRUN_JOURNAL_MT);
	if ((err = open(name, &b->j, &e)) < 0)
		return nsrun_result(L, err, &e);
	return 1;
}

static int l_lab_create(lua_State *L)
{
	return push_journal(L, nsr_lab_create);
}

/* journal_open(name) -> an existing lab's journal, to add records to */
static int l_journal_open(lua_State *L)
{
	return push_journal(L, nsr_journal_open);
}

static int m_add(lua_State *L)
{
	nsr_journal *j = checkj(L);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_journal_add(j, luaL_checkstring(L, 2), &e), &e);
}

static int m_undo(lua_State *L)
{
	nsr_journal *j = checkj(L);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_journal_undo(j, luaL_checkstring(L, 2), &e), &e);
}

static int m_dir(lua_State *L)
{
	lua_pushstring(L, nsr_journal_dir(checkj(L)));
	return 1;
}

static int m_close(lua_State *L)
{
	jbox *b = luaL_checkudata(L, 1, NSRUN_JOURNAL_MT);

	nsr_journal_close(b->j);
	b->j = NULL;
	return 0;
}

/* lab_destroy(name [, force]) -> true | nil, message, errno, problems */
static int l_lab_destroy(lua_State *L)
{
	nsr_error e = { 0 };
	int problems, err = nsr_lab_destroy(luaL_checkstring(L, 1), lua_toboolean(L, 2),
					    &problems, &e);

	if (err < 0) {
		nsrun_result(L, err, &e);
		lua_pushinteger(L, problems);
		return 4;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* await_freed(seconds) -> true (the kernel is done), false (still freeing after
 * seconds) | nil, message, errno */
static int l_await_freed(lua_State *L)
{
	nsr_error e = { 0 };
	int r = nsr_ns_await_freed((int)(luaL_checknumber(L, 1) * 1000), &e);

	if (r < 0)
		return nsrun_result(L, r, &e);
	lua_pushboolean(L, r);
	return 1;
}

static void push_info(lua_State *L, const nsr_labinfo *info)
{
	lua_createtable(L, 0, 8);
	lua_pushstring(L, info->name);
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, info->pid);
	lua_setfield(L, -2, "pid");
	lua_pushboolean(L, info->alive);
	lua_setfield(L, -2, "alive");
	lua_pushinteger(L, info->namespaces);
	lua_setfield(L, -2, "namespaces");
	lua_pushinteger(L, info->objects);
	lua_setfield(L, -2, "objects");
	lua_pushinteger(L, info->bad);
	lua_setfield(L, -2, "bad");
	lua_createtable(L, info->nrec, 0);
	for (int i = 0; i < info->nrec; i++) {
		const nsr_record *r = &info->rec[i];

		lua_createtable(L, r->nargs + 1, 0);
		lua_pushstring(L, r->kind);
		lua_rawseti(L, -2, 1);
		for (int k = 0; k < r->nargs; k++) {
			lua_pushstring(L, r->arg[k]);
			lua_rawseti(L, -2, k + 2);
		}
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "records");
}

/* host_raise(key, want) -> the value it had (raised), false (it holds
 * want already, or is not here) | nil, message, errno (hostlimits.h) */
static int l_host_raise(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	lua_Integer want = luaL_checkinteger(L, 2);
	nsr_error e = { 0 };
	char old[32];
	int r = nsr_host_raise(key, (long)want, old, sizeof old, &e);

	if (r < 0)
		return nsrun_result(L, r, &e);
	if (r == 0)
		lua_pushboolean(L, 0);
	else
		lua_pushstring(L, old);
	return 1;
}

/* lab_read(name) -> { name, pid, alive, namespaces, objects, bad, records } */
static int l_lab_read(lua_State *L)
{
	nsr_labinfo info;
	nsr_error e = { 0 };
	int err = nsr_lab_read(luaL_checkstring(L, 1), &info, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	push_info(L, &info);
	nsr_labinfo_free(&info);
	return 1;
}

/* journal_parse(text) -> the same table (alive false), for tests */
static int l_journal_parse(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	nsr_labinfo info;

	if (nsr_journal_parse(text, len, &info) < 0) {
		nsr_labinfo_free(&info);
		return luaL_error(L, "out of memory");
	}
	push_info(L, &info);
	nsr_labinfo_free(&info);
	return 1;
}

static int l_lab_names(lua_State *L)
{
	nsr_error e = { 0 };
	char **names;
	int n, err = nsr_lab_names(&names, &n, &e);

	if (err < 0)
		return nsrun_result(L, err, &e);
	nsrun_push_names(L, names, n);
	return 1;
}

static const luaL_Reg methods[] = {
	{ "add", m_add },
	{ "undo", m_undo },
	{ "dir", m_dir },
	{ "close", m_close },
	{ NULL, NULL }
};

static const luaL_Reg funcs[] = {
	{ "lab_create", l_lab_create },
	{ "journal_open", l_journal_open },
	{ "lab_destroy", l_lab_destroy },
	{ "await_freed", l_await_freed },
	{ "lab_read", l_lab_read },
	{ "lab_names", l_lab_names },
	{ "journal_parse", l_journal_parse },
	{ "host_raise", l_host_raise },
	{ NULL, NULL }
};

void nsrun_open_lab(lua_State *L)
{
	luaL_newmetatable(L, NSRUN_JOURNAL_MT);
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__close");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, funcs, 0);
}
