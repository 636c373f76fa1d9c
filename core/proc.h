/*
 * proc.h -- commands inside a namespace, and ending processes safely.
 *
 * Commands run from an argv (execvp), never through a shell unless the
 * caller passes one.  Inside a named namespace the child also gets its own
 * mount namespace with that namespace's /sys, as `ip netns exec` does.
 */
#ifndef NSR_PROC_H
#define NSR_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "netns.h"

typedef struct nsr_buf {
	char *data;		/* malloc'd, NUL-terminated; free() it */
	size_t len;
} nsr_buf;

/* Run argv in ns and wait.  *status is the exit code, or 128+signal.
 * out and err collect the child's stdout and stderr.  ns NULL: where nsrun
 * runs, entering no namespace (no privilege needed). */
int nsr_run(nsr_ns *ns, char *const argv[], int *status, nsr_buf *out,
	    nsr_buf *err, nsr_error *e);

/* Run argv in ns with nsrun's own stdin, stdout and stderr (a terminal:
 * interactive), and wait; nsrun ignores SIGINT and SIGQUIT meanwhile, as
 * system(3) does.  *status as for nsr_run. */
int nsr_run_here(nsr_ns *ns, char *const argv[], int *status, nsr_error *e);

/* Start argv in ns in the background, stdin from /dev/null, stdout and
 * stderr appended to logpath (inherited when NULL).  *start is the process's
 * start time (from /proc/PID/stat), which tells it from a later process
 * that reuses the PID.  With a journal j, "proc PID START" is recorded
 * there before the process execs: killed at any moment, nsrun leaves no
 * process its lab's destroy would not end. */
struct nsr_journal;

int nsr_spawn(nsr_ns *ns, char *const argv[], const char *logpath, struct nsr_journal *j,
	      pid_t *pid, unsigned long long *start, nsr_error *e);

/* The start time of pid, in clock ticks since boot. */
int nsr_proc_start(pid_t pid, unsigned long long *start);

/* Whether the process that started at start still runs as pid: not ended,
 * not a zombie waiting to be reaped (one of nsrun's own is reaped). */
int nsr_proc_alive(pid_t pid, unsigned long long start);

/* Send sig to pid if it is still the process that started at start
 * (SIGSTOP and SIGCONT: a frozen node).  -ESRCH when it has ended. */
int nsr_proc_signal(pid_t pid, unsigned long long start, int sig, nsr_error *e);

/* End pid if it is still the process that started at start: SIGTERM, then
 * SIGKILL after grace_ms.  A process already gone is not an error. */
int nsr_proc_end(pid_t pid, unsigned long long start, int grace_ms,
		 nsr_error *e);

/* The same for n processes at once (a lab's daemons): all get SIGTERM,
 * then those left after grace_ms SIGKILL, a few hundred at a time. */
int nsr_procs_end(const pid_t *pid, const unsigned long long *start, int n, int grace_ms,
		  nsr_error *e);

/* Whether a daemon answers on the unix stream socket at path (its control
 * socket: vtysh's, birdc's): a connect() succeeds. */
int nsr_sock_ready(const char *path);

#endif
