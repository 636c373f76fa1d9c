/*
 * pipe.c -- nsrun talking to other nsrun processes over pipes: the ssh
 * sessions that carry a lab across machines (lua/nsrun/machines.lua).
 *   popen2(argv) -> pid, w, r: argv (searched on PATH) with its stdin and
 *     stdout on pipes, as Lua files (w writes to its stdin, r reads its
 *     stdout); its stderr is nsrun's; it gets SIGTERM if nsrun ends
 *   waitpid(pid [, nohang]) -> status (128 + signal for a killed one), or
 *     nil when nohang and it runs
 *   kill(pid, "TERM" | "KILL"): a child popen2 made, not yet waited for
 *   stdio_detach() -> r, w, e: nsrun's own stdin, stdout and stderr as new
 *     Lua files (close-on-exec), fds 0, 1 and 2 then /dev/null: what nsrun
 *     starts (daemons) never holds the ssh session open or writes into it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lualib.h>

#include "nsrun.h"

static int io_fclose(lua_State *L)
{
	luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
	int ok = fclose(p->f) == 0;

	return luaL_fileresult(L, ok, NULL);
}

/* fd as a Lua file (mode "r" or "w"); closes fd when it cannot */
static int push_file(lua_State *L, int fd, const char *mode)
{
	luaL_Stream *p = lua_newuserdatauv(L, sizeof *p, 0);

	p->closef = NULL;
	luaL_setmetatable(L, LUA_FILEHANDLE);
	if (!(p->f = fdopen(fd, mode))) {
		close(fd);
		return -errno;
	}
	p->closef = io_fclose;
	return 0;
}

static int l_popen2(lua_State *L)
{
	char **argv = nsrun_checkargv(L, 1);
	int in[2], out[2], err;
	pid_t pid, ppid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return luaL_fileresult(L, 0, argv[0]);
	if (pipe2(out, O_CLOEXEC) < 0) {
		err = errno;
		close(in[0]);
		close(in[1]);
		errno = err;
		return luaL_fileresult(L, 0, argv[0]);
	}
	/* fork and exec, not posix_spawn: the child ends with nsrun
	 * (PR_SET_PDEATHSIG), so that an ssh session or master never outlives
	 * a controller that was killed */
	ppid = getpid();
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != ppid)
			_exit(127);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	err = pid < 0 ? errno : 0;
	close(in[0]);
	close(out[1]);
	if (err) {
		close(in[1]);
		close(out[0]);
		errno = err;
		return luaL_fileresult(L, 0, argv[0]);
	}
	lua_pushinteger(L, pid);
	if ((err = push_file(L, in[1], "w")) < 0 || (err = push_file(L, out[0], "r")) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = -err;
		return luaL_fileresult(L, 0, argv[0]);
	}
	return 3;
}

static int l_waitpid(lua_State *L)
{
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	int st, r;

	do
		r = waitpid(pid, &st, lua_toboolean(L, 2) ? WNOHANG : 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return luaL_fileresult(L, 0, "waitpid");
	if (r == 0)
		return 0;
	lua_pushinteger(L, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 1;
}

static int l_kill(lua_State *L)
{
	static const char *const names[] = { "TERM", "KILL", NULL };
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	int sig = luaL_checkoption(L, 2, "TERM", names) ? SIGKILL : SIGTERM;

	return luaL_fileresult(L, pid > 0 && kill(pid, sig) == 0, "kill");
}

static int l_stdio_detach(lua_State *L)
{
	static const char *const modes[] = { "r", "w", "w" };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), fd, err;

	if (null < 0)
		return luaL_fileresult(L, 0, "/dev/null");
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++) {
		if ((fd = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(null, i) < 0 ||
		    (err = push_file(L, fd, modes[i])) < 0) {
			close(null);
			return luaL_fileresult(L, 0, "stdio");
		}
	}
	close(null);
	return 3;
}

static const luaL_Reg funcs[] = {
	{ "popen2", l_popen2 },
	{ "waitpid", l_waitpid },
	{ "kill", l_kill },
	{ "stdio_detach", l_stdio_detach },
	{ NULL, NULL }
};

void nsrun_open_pipe(lua_State *L)
{
	luaL_setfuncs(L, funcs, 0);
}
