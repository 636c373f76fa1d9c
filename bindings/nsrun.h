/*
 * nsrun.h -- the Lua bindings' shared parts.
 *
 * The C layer, nsrun.core, returns what it made, or nil, message, errno for
 * an operation that failed at run time (as io.open does), where the message
 * names the operation, the object and the kernel's reason.  The Lua layer
 * (lua/nsrun/util.lua) turns those into nsrun.error objects that name the
 * script's line.  Values from a script that C checks (an MTU, a table
 * number, an argv) raise such an error here, with nsrun_raise: the same
 * object, at the script's line.  luaL_check* remain for what only a bug in
 * nsrun's own Lua could pass.
 */
#ifndef NSRUN_BINDINGS_H
#define NSRUN_BINDINGS_H

#include <lauxlib.h>
#include <lua.h>

#include "error.h"
#include "netns.h"

#define NSRUN_NS_MT "nsrun.ns"
#define NSRUN_JOURNAL_MT "nsrun.journal"
#define NSRUN_ERROR_MT "nsrun.error"

/* true, or nil + message + errno. */
int nsrun_result(lua_State *L, int err, const nsr_error *e);

/* Raise an nsrun.error { message = "<script>:<line>: " .. text, errno = errnum }
 * (errnum 0: none).  Never returns. */
int nsrun_raise(lua_State *L, int errnum, const char *fmt, ...);

/* Push "<script>:<line>: " for the first Lua frame outside nsrun's own
 * files (the script's), or "". */
void nsrun_where(lua_State *L);

/* Push names[0..n-1] as a Lua array and free them (and the array). */
void nsrun_push_names(lua_State *L, char **names, int n);

/* The open journal at index i (bindings/lab.c). */
struct nsr_journal;
struct nsr_journal *nsrun_checkjournal(lua_State *L, int i);

/* The open namespace at index i (raises when closed or not one). */
nsr_ns *nsrun_checkns(lua_State *L, int i);

/* A Lua array of strings (or numbers) at index i as a NULL-terminated
 * argv; the array and its strings are owned by a userdata left on the
 * stack, so they live as long as that stays there. */
char **nsrun_checkargv(lua_State *L, int i);

/*
 * Fields of an options table at index t, read raw (never through an
 * __index), as the script gave them; a field of the wrong type raises
 * (nsrun_raise).  A string stays valid while the table holds it.
 */
const char *nsrun_strfield(lua_State *L, int t, const char *k);
lua_Integer nsrun_intfield(lua_State *L, int t, const char *k, lua_Integer def);
/* the integer t.k in min..max, or def when absent; what names it in the error */
lua_Integer nsrun_rangefield(lua_State *L, int t, const char *k, lua_Integer def,
			     lua_Integer min, lua_Integer max, const char *what);
double nsrun_numfield(lua_State *L, int t, const char *k);
/* -1 when t.k is nil, else 0 or 1 */
int nsrun_boolfield(lua_State *L, int t, const char *k);

/* Register functions and metatables into the table on the top of the stack
 * (nsrun.core): one per binding file. */
void nsrun_open_netns(lua_State *L);
void nsrun_open_link(lua_State *L);
void nsrun_open_addr(lua_State *L);
void nsrun_open_route(lua_State *L);
void nsrun_open_qdisc(lua_State *L);
void nsrun_open_show(lua_State *L);
void nsrun_open_proc(lua_State *L);
void nsrun_open_pipe(lua_State *L);
void nsrun_open_lab(lua_State *L);
void nsrun_open_probe(lua_State *L);
void nsrun_open_outage(lua_State *L);
void nsrun_open_fault(lua_State *L);
void nsrun_open_docker(lua_State *L);
void nsrun_open_spf(lua_State *L);

/* The namespace class's method table (for binding files to add to). */
void nsrun_ns_methods(lua_State *L, const luaL_Reg *methods);

/* Put lua/'s modules into package.preload. */
void nsrun_preload(lua_State *L);

int luaopen_nsrun(lua_State *L);

/* What the probers take (probe.c): sources (arg 1), targets (arg 2) and
 * pairs (arg 3: a flat { s, d, ... } or nil for all), read into C arrays. */
#include "probe.h"
typedef struct nsrun_plan {
	nsr_ns **src;
	nsr_target *tgt;
	nsr_probe_pair *pairs;
	size_t nsrc, ntgt, npairs;
} nsrun_plan;
void nsrun_probe_plan(lua_State *L, nsrun_plan *p);
void nsrun_plan_free(nsrun_plan *p);
void *nsrun_alloc(lua_State *L, size_t n, size_t size);
void nsrun_push_target(lua_State *L, const nsr_target *t);
/* On the table at the top: a pair's { src =, dst = } (1-based); why it
 * failed, { err =, reason = } (a send's errno) and { icmp =, code =,
 * from = } (an ICMP error), if any. */
void nsrun_set_pair(lua_State *L, const nsr_probe_pair *p);
void nsrun_set_why(lua_State *L, int err, int icmp_type, int icmp_code, const nsr_target *from);

#endif
