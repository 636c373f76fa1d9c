/*
 * outage.h -- a continuous prober: each pair probed every interval while a
 * fault is applied, and for each pair how long its traffic was lost.
 *
 * Time is cut in slots of one interval; in each slot every pair sends one
 * echo (spread over the slot, not in one burst).  An echo not answered
 * within timeout_ms of its slot's last send is lost.  A slot the prober
 * could only send a whole interval late is skipped, and counted.  The prober runs in a thread of its own, so
 * that the caller can apply the fault meanwhile: start, wait until the
 * pairs answer, mark the fault, apply it, wait for the end.  The sockets
 * are opened by the caller's thread, in nsr_outage_start.
 */
#ifndef NSR_OUTAGE_H
#define NSR_OUTAGE_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

typedef struct nsr_outage_opts {
	int interval_us;	/* between two echoes of one pair (default 10,000) */
	int timeout_ms;		/* an echo not answered by then is lost (default 1000) */
	int hold_ms;		/* once the fault is applied: every pair answering
				 * for this long ends the run (default 1000) */
	int within_ms;		/* after the mark: the run ends then at the latest
				 * (default 10,000) */
} nsr_outage_opts;

/* One pair's echoes from the mark on.  Slots count from the mark's. */
typedef struct nsr_outage_pair {
	uint32_t sent, lost;	/* echoes from the mark on */
	int32_t first_lost;	/* slot of the first lost echo, -1: none */
	int32_t last_lost;	/* and of the last */
	int answered;		/* answered at least once */
	int err;		/* a send's errno (no route...), the last one */
	uint8_t icmp_type, icmp_code;	/* the last ICMP error, 0: none */
	nsr_target from;	/* and who sent it */
} nsr_outage_pair;

typedef struct nsr_outage nsr_outage;

/* Open a socket per source (in each source's namespace) and start probing
 * pairs (as nsr_probe's) in a thread.  The arrays must outlive the run. */
int nsr_outage_start(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
		     size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
		     const nsr_outage_opts *opts, nsr_outage **out, nsr_error *e);

/* How many pairs have answered at least once so far. */
size_t nsr_outage_answered(nsr_outage *o);

/* The fault begins now: the results count from here (the interval now
 * under way included). */
void nsr_outage_mark(nsr_outage *o);

/* The fault is in place now: hold counts from here (a fault that takes
 * time to apply does not end the run before it acts). */
void nsr_outage_applied(nsr_outage *o);

/* Wait for the run to end (every pair answering for hold after the fault
 * was applied, or within after the mark; at once when there was no mark),
 * and close its sockets.  Returns 0, or -errno if probing failed. */
int nsr_outage_wait(nsr_outage *o, nsr_error *e);

/* After the wait: the results (one per pair), the interval, the slots
 * probed from the mark on and, per slot, the pairs whose echo was lost. */
const nsr_outage_pair *nsr_outage_results(const nsr_outage *o);
int nsr_outage_interval_us(const nsr_outage *o);
size_t nsr_outage_slots(const nsr_outage *o, const uint32_t **lost_per_slot);
/* Echoes the prober could not send for its own reasons (a socket buffer
 * full): counted lost, reported apart. */
uint64_t nsr_outage_send_drops(const nsr_outage *o);
/* Slots from the mark on that the prober skipped, a whole interval behind
 * its schedule (a machine too busy for the rate asked): no echo sent, so
 * neither lost nor answered.  The resolution it really had. */
uint64_t nsr_outage_skipped(const nsr_outage *o);

/* Stop (if it still runs) and free. */
void nsr_outage_free(nsr_outage *o);

#endif
