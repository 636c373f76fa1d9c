/*
 * proc.c -- commands inside a namespace: ns:run, ns:spawn.
 */
#include <signal.h>
#include <stdlib.h>

#include "nsrun.h"
#include "proc.h"

/* argv in ns (NULL: where nsrun runs) -> status, stdout, stderr */
static int run(lua_State *L, nsr_ns *ns, char **argv)
{
	nsr_buf out, err;
	nsr_error e = { 0 };
	int status, rc = nsr_run(ns, argv, &status, &out, &err, &e);

	if (rc == 0) {
		lua_pushinteger(L, status);
		lua_pushlstring(L, out.data, out.len);
		lua_pushlstring(L, err.data, err.len);
	}
	free(out.data);
	free(err.data);
	return rc < 0 ? nsrun_result(L, rc, &e) : 3;
}

/* ns:run(argv) -> status, stdout, stderr */
static int m_run(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);

	return run(L, ns, nsrun_checkargv(L, 2));
}

/* ns:exec(argv) -> status: with nsrun's stdin, stdout, stderr */
static int m_exec(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	char **argv = nsrun_checkargv(L, 2);
	nsr_error e = { 0 };
	int status, rc = nsr_run_here(ns, argv, &status, &e);

	if (rc < 0)
		return nsrun_result(L, rc, &e);
	lua_pushinteger(L, status);
	return 1;
}

/* ns:hold(pid) -> true: commands may join all of pid's namespaces */
static int m_hold(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_ns_hold(ns, (pid_t)luaL_checkinteger(L, 2), &e), &e);
}

/* ns:whole(on): commands join all the namespaces of the attached process */
static int m_whole(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);

	ns->whole = lua_toboolean(L, 2) && ns->pidfd >= 0;
	lua_pushboolean(L, ns->whole);
	return 1;
}

/* ns:spawn(argv [, logpath [, journal]]) -> pid, start: with a journal,
 * "proc PID START" is recorded there before the process runs */
static int m_spawn(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	char **argv = nsrun_checkargv(L, 2);
	const char *log = luaL_optstring(L, 3, NULL);
	struct nsr_journal *j = lua_isnoneornil(L, 4) ? NULL : nsrun_checkjournal(L, 4);
	unsigned long long start = 0;
	nsr_error e = { 0 };
	pid_t pid;
	int rc = nsr_spawn(ns, argv, log, j, &pid, &start, &e);

	if (rc < 0)
		return nsrun_result(L, rc, &e);
	lua_pushinteger(L, pid);
	lua_pushinteger(L, (lua_Integer)start);
	return 2;
}

/* run(argv) -> status, stdout, stderr: argv where nsrun runs, entering no
 * namespace (Graphviz's dot, say: no root needed) */
static int l_run(lua_State *L)
{
	return run(L, NULL, nsrun_checkargv(L, 1));
}

/* ns:bind(src, dst): commands run here see src at dst (their own mount
 * namespace) */
static int m_bind(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_ns_bind(ns, luaL_checkstring(L, 2), luaL_checkstring(L, 3), &e), &e);
}

/* ns:hostname(name): commands run here get a UTS namespace with that name */
static int m_hostname(lua_State *L)
{
	nsr_ns *ns = nsrun_checkns(L, 1);
	nsr_error e = { 0 };

	return nsrun_result(L, nsr_ns_hostname(ns, luaL_checkstring(L, 2), &e), &e);
}

/* sock_ready(path) -> whether a daemon answers on that unix socket */
static int l_sock_ready(lua_State *L)
{
	lua_pushboolean(L, nsr_sock_ready(luaL_checkstring(L, 1)));
	return 1;
}

/* proc_end(pid, start [, grace_ms]) */
static int l_proc_end(lua_State *L)
{
	nsr_error e = { 0 };
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer start = luaL_checkinteger(L, 2);

	luaL_argcheck(L, pid > 1, 1, "not a process we may end");
	return nsrun_result(L, nsr_proc_end((pid_t)pid, (unsigned long long)start,
					    (int)luaL_optinteger(L, 3, 1000), &e), &e);
}

/* proc_signal(pid, start, "STOP" | "CONT" | "KILL" | "TERM") */
static int l_proc_signal(lua_State *L)
{
	static const char *const names[] = { "STOP", "CONT", "KILL", "TERM", NULL };
	static const int sigs[] = { SIGSTOP, SIGCONT, SIGKILL, SIGTERM };
	nsr_error e = { 0 };
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer start = luaL_checkinteger(L, 2);
	int sig = sigs[luaL_checkoption(L, 3, NULL, names)];

	luaL_argcheck(L, pid > 1, 1, "not a process we may signal");
	return nsrun_result(L, nsr_proc_signal((pid_t)pid, (unsigned long long)start, sig, &e), &e);
}

/* ns:running() -> true while the process the namespace was attached from
 * runs, false once it has exited, nil when it has none */
static int m_running(lua_State *L)
{
	int r = nsr_ns_running(nsrun_checkns(L, 1));

	if (r < 0)
		lua_pushnil(L);
	else
		lua_pushboolean(L, r);
	return 1;
}

/* proc_alive(pid, start) -> bool: it runs (not ended, not a zombie) */
static int l_proc_alive(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer start = luaL_checkinteger(L, 2);

	lua_pushboolean(L, nsr_proc_alive((pid_t)pid, (unsigned long long)start));
	return 1;
}

static const luaL_Reg methods[] = {
	{ "run", m_run },
	{ "spawn", m_spawn },
	{ "exec", m_exec },
	{ "hold", m_hold },
	{ "whole", m_whole },
	{ "bind", m_bind },
	{ "hostname", m_hostname },
	{ "running", m_running },
	{ NULL, NULL }
};

static const luaL_Reg funcs[] = {
	{ "run", l_run },
	{ "sock_ready", l_sock_ready },
	{ "proc_end", l_proc_end },
	{ "proc_alive", l_proc_alive },
	{ "proc_signal", l_proc_signal },
	{ NULL, NULL }
};

void nsrun_open_proc(lua_State *L)
{
	nsrun_ns_methods(L, methods);
	luaL_setfuncs(L, funcs, 0);
}
