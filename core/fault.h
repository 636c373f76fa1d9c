/*
 * fault.h -- faults a lab injects into itself: nftables rules inside a
 * namespace (a gray failure: carrier up, packets dropped), a link that
 * flaps in a process of its own, signals to a node's processes (a frozen
 * control plane).
 */
#ifndef NSR_FAULT_H
#define NSR_FAULT_H

#include <sys/types.h>

#include "netns.h"

struct nsr_journal;

/* Run nft commands (nft's own syntax, one or more lines) inside ns,
 * through libnftables: the namespace's own tables, none of the host's.
 * What nft prints (list commands) goes to *out (malloc'd; out may be
 * NULL).  On failure e's message is nft's. */
int nsr_nft(nsr_ns *ns, const char *cmds, char **out, nsr_error *e);

/* Flap a link in a child process: the ends (a, ifa) and (b, ifb; b NULL:
 * one end only) down, period_ms / 2, up, period_ms / 2, count times (0:
 * until ended).  The child is recorded in j ("proc PID START") before it
 * begins, and leaves the ends up when it ends (count reached, SIGTERM). */
int nsr_flap(nsr_ns *a, const char *ifa, nsr_ns *b, const char *ifb, int period_ms,
	     int count, struct nsr_journal *j, pid_t *pid, unsigned long long *start,
	     nsr_error *e);

#endif
