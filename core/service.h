/*
 * service.h -- TCP and UDP service checks across namespaces.
 *
 * Each pair is a TCP connect (or a UDP datagram that wants an answer) from
 * a source namespace to a target's port, all pairs at once with a window per
 * source, as the ICMP prober does (probe.h).  Where the caller names the
 * target's namespace, a listener of nsrun's own is opened there on the
 * target's address when nothing listens on that port, so that no server
 * software is needed: a TCP listener the kernel completes handshakes for, a
 * UDP one that answers each datagram with itself.  A raw ICMP socket in each
 * source namespace tells who sent an ICMP error about a probe.
 */
#ifndef NSR_SERVICE_H
#define NSR_SERVICE_H

#include "probe.h"

enum nsr_svc_state {
	NSR_SVC_OPEN,		/* connected; for UDP, answered */
	NSR_SVC_REFUSED,	/* TCP reset, or ICMP port unreachable */
	NSR_SVC_FILTERED,	/* no answer before the timeout */
	NSR_SVC_UNREACHABLE,	/* an ICMP error, or no route at the source */
};

enum nsr_svc_listener {
	NSR_SVC_THEIRS,		/* something listened on the port already */
	NSR_SVC_OURS,		/* nsrun's listener answered */
	NSR_SVC_UNKNOWN,	/* no namespace given for the target */
};

typedef struct nsr_svc_opts {
	int udp;		/* 0: TCP, 1: UDP */
	int port;		/* 1..65535 */
	int timeout_ms;		/* per attempt (default 1000) */
	int retries;		/* more attempts after a timeout (default 1) */
	int window;		/* attempts in flight per source (default 32) */
} nsr_svc_opts;

typedef struct nsr_svc_result {
	uint8_t state;		/* enum nsr_svc_state */
	uint8_t listener;	/* enum nsr_svc_listener */
	uint8_t icmp_type, icmp_code;	/* the ICMP error, 0 0: none */
	uint16_t attempts;
	float ms;		/* until the answer (open, refused, unreachable) */
	int err;		/* the socket's errno (refused, unreachable) */
	nsr_target from;	/* who sent the ICMP error */
} nsr_svc_result;

/* Check each pair: sources[p.src] to targets[p.dst], port opts->port.
 * tgtns: NULL, or per target the namespace to open a listener in (NULL:
 * none).  res[i] is pair i's result.  0, or -errno when the checks could not
 * run (a socket, a listener's namespace). */
int nsr_svc_probe(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
		  nsr_ns *const *tgtns, size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
		  const nsr_svc_opts *opts, nsr_svc_result *res, nsr_error *e);

#endif
