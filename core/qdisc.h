/*
 * qdisc.h -- link impairments: netem (delay, jitter, loss, duplication,
 * reordering, corruption) and tbf (rate) on one interface, through
 * libnl-route's qdisc API.
 *
 * One root qdisc per interface, replaced as a whole: tbf alone (handle 1:),
 * netem alone (1:), or tbf 1: with netem 10: as its child (parent 1:1),
 * the usual way to shape and delay at once.
 */
#ifndef NSR_QDISC_H
#define NSR_QDISC_H

#include <stdint.h>

#include "netns.h"

typedef struct nsr_impair {
	uint32_t delay_us;	/* netem delay */
	uint32_t jitter_us;	/* netem jitter (needs a delay) */
	double loss;		/* percentages, 0..100 */
	double duplicate;
	double reorder;		/* needs a delay */
	double corrupt;
	uint64_t rate_bps;	/* tbf rate, bits per second; 0: none */
	uint32_t limit;		/* netem queue, packets; 0: the default (1000) */
} nsr_impair;

/* Does im ask for anything netem does? */
int nsr_impair_netem(const nsr_impair *im);

/* Set ifname's impairments to exactly im (all zero: none, the device's
 * default qdisc back).  A kernel without sch_netem gives -ENOENT with a
 * message saying so. */
int nsr_impair_set(nsr_ns *ns, const char *ifname, const nsr_impair *im,
		   nsr_error *e);

/* Read back what the kernel has on ifname (nsrun's layout or a single
 * netem/tbf root); *kind is "none" when the root is neither. */
int nsr_impair_get(nsr_ns *ns, const char *ifname, nsr_impair *im,
		   const char **kind, nsr_error *e);

/* The kernel's probability scale (0..UINT32_MAX) from a percent, and back
 * from what libnl's netem getters return (an int). */
uint32_t nsr_impair_prob(double percent);
double nsr_impair_percent(int p);

#endif
