/*
 * trace.h -- the paths packets take, found as traceroute finds them, for
 * many pairs and flows at once.
 *
 * From each source namespace, UDP probes to each target with the TTL
 * (hop limit) 1, 2, ... max_ttl: each router on the way answers the one
 * that dies there with ICMP time exceeded, the target with port
 * unreachable.  A flow is one source port (the destination port is
 * traceroute's 33434): with a layer-4 multipath hash, flows of one pair
 * take the paths an ECMP fabric spreads them over.  A probe's TTL is in its
 * length (the error quotes the UDP header), its flow in its source port.
 * Routers rate-limit ICMP errors (net.ipv4.icmp_ratelimit): the caller sets
 * what it needs on its namespaces.
 */
#ifndef NSR_TRACE_H
#define NSR_TRACE_H

#include "probe.h"

#define NSR_TRACE_PORT 33434	/* every probe's destination port */
#define NSR_TRACE_SPORT 44000	/* flow f's source port: NSR_TRACE_SPORT + f */
#define NSR_TRACE_MAX_TTL 64
#define NSR_TRACE_MAX_FLOWS 256

typedef struct nsr_trace_opts {
	int flows;		/* per pair, 1..NSR_TRACE_MAX_FLOWS (default 1) */
	int max_ttl;		/* 1..NSR_TRACE_MAX_TTL (default 16) */
	int timeout_ms;		/* per round of probes (default 1000) */
	int retries;		/* rounds for what did not answer (default 1) */
} nsr_trace_opts;

/* Trace each pair's flows.  hops[(pair * flows + flow) * max_ttl + ttl - 1]
 * is who answered the probe with that TTL (family 0: nobody);
 * reached[pair * flows + flow] the smallest TTL the target itself answered
 * (0: it did not).  0, or -errno when tracing could not run. */
int nsr_trace(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets, size_t ntgt,
	      const nsr_probe_pair *pairs, size_t npairs, const nsr_trace_opts *opts,
	      nsr_target *hops, uint8_t *reached, nsr_error *e);

#endif
