/*
 * probe.h -- a parallel ICMP echo prober across namespaces.
 *
 * One raw ICMP (and ICMPv6) socket per source namespace, opened inside it;
 * one epoll loop; a window of outstanding echoes per source (no flooding);
 * a deadline per echo and retries (the first echo after links come up can be
 * lost to ARP).  No ping process per pair.  Memory: the caller's pair list
 * and results, plus a fixed amount per source.
 */
#ifndef NSR_PROBE_H
#define NSR_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "netns.h"

typedef struct nsr_target {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
} nsr_target;

typedef struct nsr_probe_pair {
	uint32_t src;		/* index into the sources */
	uint32_t dst;		/* index into the targets */
} nsr_probe_pair;

typedef struct nsr_probe_result {
	float rtt_ms;		/* of the echo that came back; < 0: none did */
	uint16_t attempts;	/* echoes sent */
	uint8_t icmp_type;	/* the last ICMP error about this pair, 0: none */
	uint8_t icmp_code;
	int err;		/* errno of a send that failed (no route...) */
	uint32_t mtu;		/* the next hop's MTU a "too big" error gave */
	nsr_target from;	/* who sent the ICMP error */
} nsr_probe_result;

#define NSR_PROBE_MAX_RETRIES 1000

typedef struct nsr_probe_opts {
	int timeout_ms;		/* per echo (default 1000) */
	int retries;		/* more echoes after a lost one (default 2),
				 * 0..NSR_PROBE_MAX_RETRIES */
	int window;		/* outstanding echoes per source (default 32) */
	int size;		/* bytes of data in an echo, as ping -s: 0 for
				 * NSR_PROBE_MIN_SIZE, up to NSR_PROBE_MAX_SIZE */
	int df;			/* 1: Don't Fragment, never fragmented on the way
				 * (ping -M probe); 0: fragmented where needed
				 * (ping -M dont); -1: the kernel's default */
} nsr_probe_opts;

#define NSR_PROBE_MIN_SIZE 32	/* the prober's own data: pair, time, nonce */
#define NSR_PROBE_MAX_SIZE 65507	/* the most an IPv4 packet holds */

/* A socket and a namespace fd per node pass the default open-file limit
 * near 10,000 namespaces: raise the soft limit to the hard one (and the hard
 * one as far as root may).  Best effort. */
void nsr_raise_nofile(void);

/* Probe each pair: an echo from sources[p.src] to targets[p.dst].
 * res[i] is pair i's result.  Returns 0, or -errno when the probing itself
 * could not run (a socket could not be opened, retries out of range).
 * Each run's echoes carry a nonce of its own: two probers in one namespace
 * never take each other's replies. */
int nsr_probe(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
	      size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
	      const nsr_probe_opts *opts, nsr_probe_result *res, nsr_error *e);

/* For the probers (probe.c, service.c, trace.c): the pairs grouped by
 * source, in their order (a counting sort): source s's pair indices are
 * order[start[s]..start[s + 1]).  start has nsrc + 1 entries. */
void nsr_group_pairs(const nsr_probe_pair *pairs, size_t npairs, size_t nsrc, size_t *order,
		     size_t *start);

/* For the probers (probe.c, outage.c): a raw ICMP (AF_INET) or ICMPv6
 * socket opened inside ns, non-blocking, that lets echo replies and
 * errors through; the Internet checksum. */
int nsr_icmp_socket(nsr_ns *ns, int family, nsr_error *e);
uint16_t nsr_icmp_checksum(const void *data, size_t len);

/* An echo request to t on such a socket: identifier and sequence id (<< 16
 * | ...), then payload (64 bytes at most), then zeros up to size bytes of
 * data (size < len: none).  0, or -errno. */
int nsr_icmp_send(int fd, const nsr_target *t, uint32_t id, const void *payload, size_t len,
		  size_t size);

/* Don't Fragment (df 1) or fragment (0) what such a socket sends. */
int nsr_icmp_df(int fd, int family, int df);

/* One message from such a socket: an echo reply, or an ICMP error and the
 * first bytes of the packet it is about (an echo of ours, or the TCP and
 * UDP probes of service.c and trace.c). */
typedef struct nsr_icmp_in {
	int reply;		/* 1: an echo reply; 0: an error */
	uint8_t type, code;
	nsr_target from;	/* who sent the message */
	uint32_t mtu;		/* fragmentation needed / packet too big: the
				 * next hop's MTU */
	/* an error: the packet it quotes */
	int proto;		/* its protocol: IPPROTO_ICMP(V6), _TCP, _UDP... */
	const uint8_t *qdst;	/* its destination address (4 or 16 bytes) */
	const uint8_t *l4;	/* its transport header, 8 bytes at least */
	/* a reply, or an error about an echo: the echo */
	int echo;
	uint32_t id;		/* its identifier << 16 | sequence */
	const uint8_t *data;	/* its payload, after its header */
	size_t len;		/* as much of it as the message holds */
} nsr_icmp_in;

/* Read the next message into buf: 1 one of those, 0 another (read on),
 * -1 none left. */
int nsr_icmp_recv(int fd, int v6, uint8_t *buf, size_t size, nsr_icmp_in *m);

#endif
