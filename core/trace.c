#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

struct source {
	int udp[2];		/* raw UDP sockets that send, IPv4 and IPv6 */
	int icmp[2];		/* raw ICMP sockets that hear the answers */
	size_t first, end;	/* its pairs: order[first..end) */
};

typedef struct tracer {
	nsr_ns *const *srcns;
	const nsr_target *tgt;
	const nsr_probe_pair *pairs;
	size_t npairs;
	nsr_trace_opts o;
	struct source *src;
	size_t *order;		/* pair indices grouped by source */
	nsr_target *hops;
	uint8_t *reached;
	uint8_t *traced;	/* per flow: complete (below) */
	size_t untraced;	/* flows not complete yet */
	uint16_t base;		/* flow f's source port: base + f */
	int ep;
	nsr_error *e;
} tracer;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The source's sockets, opened inside its namespace: raw UDP to send (the
 * kernel fills in the IP header; IPv6's checksum too), reading nothing. */
static int open_source(tracer *P, uint32_t s)
{
	struct source *src = &P->src[s];
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog drop = { 1, &none };
	int off = 6, err = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = s << 1 | (uint32_t)v6 };

		if ((src->icmp[v6] = nsr_icmp_socket(P->srcns[s], v6 ? AF_INET6 : AF_INET, P->e)) < 0)
			return src->icmp[v6];
		if (epoll_ctl(P->ep, EPOLL_CTL_ADD, src->icmp[v6], &ev) < 0)
			return nsr_fail(P->e, -errno, "tracer: epoll");
	}
	if ((err = nsr_ns_enter(P->srcns[s], P->e)) < 0)
		return err;
	for (int v6 = 0; v6 < 2 && !err; v6++) {
		int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

		if (fd < 0) {
			err = -errno;
			break;
		}
		src->udp[v6] = fd;
		setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &drop, sizeof drop);
		if (v6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof off);
	}
	if (nsr_ns_leave(P->e) < 0)
		return P->e->code;
	if (err < 0)
		return nsr_fail(P->e, err, "a UDP socket in %s", nsr_ns_label(P->srcns[s]));
	return 0;
}

/* One probe: pair's flow with this TTL.  Its length is 8 + ttl. */
static void send_probe(tracer *P, size_t pair, int flow, int ttl)
{
	const nsr_probe_pair *pp = &P->pairs[pair];
	const nsr_target *t = &P->tgt[pp->dst];
	int v6 = t->family == AF_INET6, fd = P->src[pp->src].udp[v6];
	uint8_t pkt[8 + NSR_TRACE_MAX_TTL] = { 0 };
	uint16_t sport = (uint16_t)(P->base + flow), len = (uint16_t)(8 + ttl);
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	pkt[0] = (uint8_t)(sport >> 8);
	pkt[1] = (uint8_t)sport;
	pkt[2] = NSR_TRACE_PORT >> 8;
	pkt[3] = NSR_TRACE_PORT & 0xff;
	pkt[4] = (uint8_t)(len >> 8);
	pkt[5] = (uint8_t)len;
	if (!v6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, t->addr, 4);
		sl = sizeof *sin;
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, t->addr, 16);
		sl = sizeof *sin6;
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
	}
	sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl);
}

static nsr_target *hop(tracer *P, size_t pair, int flow, int ttl)
{
	return &P->hops[(pair * (size_t)P->o.flows + (size_t)flow) * (size_t)P->o.max_ttl + (size_t)ttl - 1];
}

/* Is pair's flow traced: the target answered, and every hop before it? */
static int complete(tracer *P, size_t pair, int flow)
{
	int r = P->reached[pair * (size_t)P->o.flows + (size_t)flow];

	if (!r)
		return 0;
	for (int ttl = 1; ttl < r; ttl++)
		if (!hop(P, pair, flow, ttl)->family)
			return 0;
	return 1;
}

/* A round: every probe of every flow not traced yet, whose answer is
 * missing.  Returns how many went. */
static size_t round_send(tracer *P)
{
	size_t sent = 0;

	for (size_t i = 0; i < P->npairs; i++)
		for (int f = 0; f < P->o.flows; f++) {
			int r = P->reached[i * (size_t)P->o.flows + (size_t)f];
			int last = r ? r - 1 : P->o.max_ttl;

			if (P->traced[i * (size_t)P->o.flows + (size_t)f])
				continue;
			for (int ttl = 1; ttl <= last; ttl++)
				if (!hop(P, i, f, ttl)->family) {
					send_probe(P, i, f, ttl);
					sent++;
				}
		}
	return sent;
}

/* Answers heard in source s: each error about one of our probes (the
 * quoted UDP header gives its flow and, in its length, its TTL) names who
 * answered that TTL; port unreachable, the target itself. */
static void receive(tracer *P, uint32_t tag)
{
	uint32_t s = tag >> 1;
	int v6 = tag & 1, r;
	uint8_t buf[2048];
	nsr_icmp_in m;

	while ((r = nsr_icmp_recv(P->src[s].icmp[v6], v6, buf, sizeof buf, &m)) >= 0) {
		int flow, ttl, at_target;

		if (r == 0 || m.reply || m.proto != IPPROTO_UDP)
			continue;
		flow = (m.l4[0] << 8 | m.l4[1]) - P->base;
		ttl = (m.l4[4] << 8 | m.l4[5]) - 8;
		if ((m.l4[2] << 8 | m.l4[3]) != NSR_TRACE_PORT || flow < 0 || flow >= P->o.flows ||
		    ttl < 1 || ttl > P->o.max_ttl)
			continue;
		at_target = v6 ? m.type == ICMP6_DST_UNREACH && m.code == ICMP6_DST_UNREACH_NOPORT
			       : m.type == ICMP_UNREACH && m.code == ICMP_UNREACH_PORT;
		for (size_t k = P->src[s].first; k < P->src[s].end; k++) {
			size_t i = P->order[k];
			const nsr_target *t = &P->tgt[P->pairs[i].dst];
			uint8_t *rch = &P->reached[i * (size_t)P->o.flows + (size_t)flow];

			if (t->family != (v6 ? AF_INET6 : AF_INET) || memcmp(t->addr, m.qdst, v6 ? 16 : 4) != 0)
				continue;
			*hop(P, i, flow, ttl) = m.from;
			if (at_target && (!*rch || ttl < *rch))
				*rch = (uint8_t)ttl;
			if (!P->traced[i * (size_t)P->o.flows + (size_t)flow] && complete(P, i, flow)) {
				P->traced[i * (size_t)P->o.flows + (size_t)flow] = 1;
				P->untraced--;
			}
		}
	}
}

int nsr_trace(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets, size_t ntgt,
	      const nsr_probe_pair *pairs, size_t npairs, const nsr_trace_opts *opts,
	      nsr_target *hops, uint8_t *reached, nsr_error *e)
{
	tracer P = { .srcns = sources, .tgt = targets, .pairs = pairs, .npairs = npairs,
		     .hops = hops, .reached = reached, .ep = -1, .e = e };
	size_t *count = NULL;
	int err = 0;

	P.o = (nsr_trace_opts){ 1, 16, 1000, 1 };
	if (opts) {
		if (opts->flows)
			P.o.flows = opts->flows;
		if (opts->max_ttl)
			P.o.max_ttl = opts->max_ttl;
		if (opts->timeout_ms > 0)
			P.o.timeout_ms = opts->timeout_ms;
		if (opts->retries >= 0)
			P.o.retries = opts->retries;
	}
	if (P.o.flows < 1 || P.o.flows > NSR_TRACE_MAX_FLOWS)
		return nsr_failmsg(e, -EINVAL, "trace: flows %d is not 1..%d", P.o.flows, NSR_TRACE_MAX_FLOWS);
	if (P.o.max_ttl < 1 || P.o.max_ttl > NSR_TRACE_MAX_TTL)
		return nsr_failmsg(e, -EINVAL, "trace: hops %d is not 1..%d", P.o.max_ttl, NSR_TRACE_MAX_TTL);
	for (size_t i = 0; i < npairs; i++)
		if (pairs[i].src >= nsrc || pairs[i].dst >= ntgt)
			return nsr_failmsg(e, -EINVAL, "trace pair %zu: no such source or target", i);
	memset(hops, 0, npairs * (size_t)P.o.flows * (size_t)P.o.max_ttl * sizeof *hops);
	memset(reached, 0, npairs * (size_t)P.o.flows);
	if (npairs == 0)
		return 0;
	/* the flows' source ports: the same on every run, so that a flow takes
	 * the same path each time (the routers' hashes are the same too) */
	P.base = NSR_TRACE_SPORT;
	nsr_raise_nofile();
	P.src = calloc(nsrc, sizeof *P.src);
	count = calloc(nsrc + 1, sizeof *count);
	P.order = malloc(npairs * sizeof *P.order);
	P.untraced = npairs * (size_t)P.o.flows;
	P.traced = calloc(P.untraced, 1);
	P.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!P.src || !count || !P.order || !P.traced || P.ep < 0) {
		err = nsr_fail(e, P.ep < 0 ? -errno : -ENOMEM, "tracer");
		goto out;
	}
	for (size_t s = 0; s < nsrc; s++)
		P.src[s].udp[0] = P.src[s].udp[1] = P.src[s].icmp[0] = P.src[s].icmp[1] = -1;
	nsr_group_pairs(pairs, npairs, nsrc, P.order, count);
	for (size_t s = 0; s < nsrc; s++) {
		P.src[s].first = count[s];
		P.src[s].end = count[s + 1];
	}
	for (size_t s = 0; s < nsrc; s++)
		if (P.src[s].first < P.src[s].end && (err = open_source(&P, (uint32_t)s)) < 0)
			goto out;
	for (int round = 0; round <= P.o.retries; round++) {
		uint64_t deadline;
		size_t left = round_send(&P);

		if (!left)
			break;
		deadline = now_ms() + (uint64_t)P.o.timeout_ms;
		for (;;) {
			struct epoll_event ev[64];
			uint64_t now = now_ms();
			int n;

			if (now >= deadline)
				break;
			n = epoll_wait(P.ep, ev, 64, (int)(deadline - now));
			if (n < 0 && errno != EINTR) {
				err = nsr_fail(e, -errno, "tracer: epoll_wait");
				goto out;
			}
			for (int i = 0; i < n; i++)
				receive(&P, ev[i].data.u32);
			if (!P.untraced)
				goto out;	/* done early: every flow traced */
		}
	}
out:
	for (size_t s = 0; P.src && s < nsrc; s++)
		for (int v = 0; v < 2; v++) {
			if (P.src[s].udp[v] >= 0)
				close(P.src[s].udp[v]);
			if (P.src[s].icmp[v] >= 0)
				close(P.src[s].icmp[v]);
		}
	if (P.ep >= 0)
		close(P.ep);
	free(P.src);
	free(count);
	free(P.order);
	free(P.traced);
	return err;
}
