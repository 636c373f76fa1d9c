/*
 * nsrun.h -- the Lua bindings' shared parts.
 *
 * Two error channels, on purpose: misuse (wrong argument types) raises; an
 * operation that fails at run time returns nil, message, errno, where the
 * message names the operation, the object and the kernel's reason.  The
 * Lua layer (lua/nsrun/ files) turns those into errors that name the
 * script's line.
 */
#ifndef NSRUN_BINDINGS_H
#define NSRUN_BINDINGS_H

#include <lauxlib.h>
#include <lua.h>

#include "error.h"
#include "netns.h"

#define NSRUN_NS_MT "nsrun.ns"
#define NSRUN_JOURNAL_MT "nsrun.journal"

/* true, or nil + message + errno. */
int nsrun_result(lua_State *L, int err, const nsr_error *e);

/* Push names[0..n-1] as a Lua array and free them (and the array). */
void nsrun_push_names(lua_State *L, char **names, int n);

/* The open namespace at index i (raises when closed or not one). */
nsr_ns *nsrun_checkns(lua_State *L, int i);

/* A Lua array of strings at index i as a NULL-terminated argv; the strings
 * stay owned by the Lua table, the array by a userdata left on the stack. */
char **nsrun_checkargv(lua_State *L, int i);

/* Register functions and metatables into the table on the top of the stack. */
void nsrun_open_netns(lua_State *L);
void nsrun_open_proc(lua_State *L);
void nsrun_open_lab(lua_State *L);
void nsrun_open_probe(lua_State *L);
void nsrun_open_docker(lua_State *L);
void nsrun_open_spf(lua_State *L);

/* Put lua/'s modules into package.preload. */
void nsrun_preload(lua_State *L);

int luaopen_nsrun(lua_State *L);

#endif
