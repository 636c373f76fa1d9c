#define _GNU_SOURCE
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define MAGIC 0x6e737270u	/* "nsrp" */
#define MAX_OUTSTANDING 8192	/* echoes in flight across all sources */

struct payload {
	uint32_t magic;
	uint32_t pair;
	uint64_t sent_ns;
	uint32_t nonce;		/* this run's: replies to another's are not ours */
	uint16_t attempt;
	uint8_t pad[10];
};

struct source {
	int fd[2];		/* IPv4, IPv6 raw sockets; -1 until needed */
	size_t next, end;	/* its pairs: order[next..end) still to send */
	int inflight;
	int queued;		/* on the ready stack */
};

struct flight {			/* an echo in flight, in send order */
	uint32_t pair;
	uint16_t attempt;
	uint64_t deadline;
};

enum { PENDING, INFLIGHT, DONE };

typedef struct prober {
	nsr_ns *const *srcns;
	const nsr_target *tgt;
	const nsr_probe_pair *pairs;
	nsr_probe_result *res;
	nsr_probe_opts o;
	struct source *src;
	size_t nsrc, npairs, done;
	size_t *order;		/* pair indices grouped by source */
	uint8_t *state;
	struct flight *ring;	/* FIFO of echoes in flight */
	size_t head, count, cap;
	uint32_t *ready;	/* sources with room and work */
	size_t nready;
	int ep;
	uint32_t nonce;
	nsr_error *e;
} prober;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

uint16_t nsr_icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int nsr_icmp_socket(nsr_ns *ns, int family, nsr_error *e)
{
	int v6 = family == AF_INET6, fd, err, rcv = 1 << 18;

	if ((err = nsr_ns_enter(ns, e)) < 0)
		return err;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	err = fd < 0 ? -errno : 0;
	if (nsr_ns_leave(e) < 0) {
		if (fd >= 0)
			close(fd);
		return e->code;
	}
	if (fd < 0)
		return nsr_fail(e, err, "ICMP socket in %s", nsr_ns_label(ns));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	if (v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
	}
	return fd;
}

/* The source's socket for a family, opened inside its namespace. */
static int source_socket(prober *P, uint32_t s, int family)
{
	struct source *src = &P->src[s];
	int v6 = family == AF_INET6, fd, err;
	struct epoll_event ev = { .events = EPOLLIN };

	if (src->fd[v6] >= 0)
		return src->fd[v6];
	if ((fd = nsr_icmp_socket(P->srcns[s], family, P->e)) < 0)
		return fd;
	if (P->o.df >= 0 && nsr_icmp_df(fd, family, P->o.df) < 0) {
		err = -errno;
		close(fd);
		return nsr_fail(P->e, err, "ICMP socket in %s: Don't Fragment", nsr_ns_label(P->srcns[s]));
	}
	ev.data.u32 = s << 1 | v6;
	if (epoll_ctl(P->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		close(fd);
		return nsr_fail(P->e, err, "ICMP socket in %s", nsr_ns_label(P->srcns[s]));
	}
	return src->fd[v6] = fd;
}

static void make_ready(prober *P, uint32_t s)
{
	if (!P->src[s].queued) {
		P->src[s].queued = 1;
		P->ready[P->nready++] = s;
	}
}

static void finish(prober *P, uint32_t pair)
{
	uint32_t s = P->pairs[pair].src;

	if (P->state[pair] == INFLIGHT)
		P->src[s].inflight--;
	P->state[pair] = DONE;
	P->done++;
	make_ready(P, s);
}

/* Send one echo for pair; returns -errno only when probing cannot go on. */
static int send_echo(prober *P, uint32_t pair)
{
	const nsr_probe_pair *pp = &P->pairs[pair];
	const nsr_target *t = &P->tgt[pp->dst];
	nsr_probe_result *r = &P->res[pair];
	struct payload pl;
	uint64_t now = now_ns();
	int fd = source_socket(P, pp->src, t->family), err;
	struct flight *f;

	if (fd < 0)
		return fd;
	memset(&pl, 0, sizeof pl);
	pl = (struct payload){ .magic = MAGIC, .pair = pair, .sent_ns = now,
			       .nonce = P->nonce, .attempt = r->attempts };
	r->attempts++;
	err = nsr_icmp_send(fd, t, pair, &pl, sizeof pl, (size_t)P->o.size);
	if (err < 0 && err != -EAGAIN && err != -ENOBUFS) {
		/* no route, no neighbour...: the kernel's answer is final */
		r->err = -err;
		finish(P, pair);
		return 0;
	}
	if (P->state[pair] != INFLIGHT) {
		P->state[pair] = INFLIGHT;
		P->src[pp->src].inflight++;
	}
	f = &P->ring[(P->head + P->count++) % P->cap];
	*f = (struct flight){ .pair = pair, .attempt = pl.attempt,
			      .deadline = now + (uint64_t)P->o.timeout_ms * 1000000u };
	return 0;
}

static int refill(prober *P)
{
	while (P->nready) {
		uint32_t s = P->ready[--P->nready];
		struct source *src = &P->src[s];

		src->queued = 0;
		while (src->next < src->end && src->inflight < P->o.window &&
		       P->count < P->cap) {
			int err = send_echo(P, (uint32_t)P->order[src->next++]);

			if (err < 0)
				return err;
		}
		if (src->next < src->end && src->inflight < P->o.window)
			make_ready(P, s);	/* the global window was full */
		if (P->count == P->cap)
			break;
	}
	return 0;
}

int nsr_icmp_df(int fd, int family, int df)
{
	int v = df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
	/* IPv6 routers never fragment: df only keeps the source from it */
	v = df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof v) < 0)
		return -1;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &df, sizeof df);
}

int nsr_icmp_send(int fd, const nsr_target *t, uint32_t id, const void *payload, size_t len,
		  size_t size)
{
	static const uint8_t zeros[NSR_PROBE_MAX_SIZE];	/* add nothing to the checksum */
	uint8_t pkt[8 + 64] = { 0 };
	struct sockaddr_storage ss = { 0 };
	struct iovec iov[2] = { { pkt, 8 + len }, { (void *)zeros, size > len ? size - len : 0 } };
	struct msghdr mh = { .msg_name = &ss, .msg_iov = iov, .msg_iovlen = 2 };

	if (len > 64 || size > NSR_PROBE_MAX_SIZE)
		return -EMSGSIZE;
	pkt[0] = t->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	pkt[4] = (uint8_t)(id >> 24);
	pkt[5] = (uint8_t)(id >> 16);
	pkt[6] = (uint8_t)(id >> 8);
	pkt[7] = (uint8_t)id;
	memcpy(pkt + 8, payload, len);
	if (t->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		uint16_t sum = nsr_icmp_checksum(pkt, 8 + len);	/* ICMPv6: the kernel's */

		memcpy(pkt + 2, &sum, 2);
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, t->addr, 4);
		mh.msg_namelen = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, t->addr, 16);
		mh.msg_namelen = sizeof *sin6;
	}
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

int nsr_icmp_recv(int fd, int v6, uint8_t *buf, size_t size, nsr_icmp_in *m)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	const uint8_t *icmp = buf, *ip, *echo;
	ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fl);
	size_t len, ihl;

	if (n <= 0)
		return -1;
	len = (size_t)n;
	if (!v6) {	/* a raw IPv4 socket reads the IP header too */
		if (len < 20 || len < (ihl = (buf[0] & 0xf) * 4u) + 8)
			return 0;
		icmp += ihl;
		len -= ihl;
	} else if (len < 8)
		return 0;
	memset(m, 0, sizeof *m);
	m->type = icmp[0];
	m->code = icmp[1];
	m->reply = v6 ? m->type == ICMP6_ECHO_REPLY : m->type == ICMP_ECHOREPLY;
	m->from.family = from.ss_family;
	if (from.ss_family == AF_INET)
		memcpy(m->from.addr, &((const struct sockaddr_in *)&from)->sin_addr, 4);
	else
		memcpy(m->from.addr, &((const struct sockaddr_in6 *)&from)->sin6_addr, 16);
	echo = icmp;
	if (!m->reply) {	/* an error: the packet it quotes, its first 8 bytes at least */
		if (v6 ? m->type != ICMP6_DST_UNREACH && m->type != ICMP6_PACKET_TOO_BIG &&
			 m->type != ICMP6_TIME_EXCEEDED && m->type != ICMP6_PARAM_PROB
		       : m->type != ICMP_UNREACH && m->type != ICMP_TIMXCEED && m->type != ICMP_PARAMPROB)
			return 0;	/* a request of someone else's */
		ip = icmp + 8;
		if (v6) {
			if (len < 8 + 40 + 8)
				return 0;
			m->proto = ip[6];
			m->qdst = ip + 24;
			m->l4 = ip + 40;
		} else {
			if (len < 8 + 20 || (ihl = (ip[0] & 0xf) * 4u) < 20 || len < 8 + ihl + 8)
				return 0;
			m->proto = ip[9];
			m->qdst = ip + 16;
			m->l4 = ip + ihl;
		}
		if (v6 ? m->type == ICMP6_PACKET_TOO_BIG : m->type == ICMP_UNREACH && m->code == ICMP_UNREACH_NEEDFRAG)
			m->mtu = v6 ? (uint32_t)icmp[4] << 24 | (uint32_t)icmp[5] << 16 | icmp[6] << 8 | icmp[7]
				    : (uint32_t)(icmp[6] << 8 | icmp[7]);
		if (m->proto != (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) ||
		    m->l4[0] != (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO))
			return 1;	/* not an echo: no id, no data */
		echo = m->l4;
	}
	m->echo = 1;
	m->id = (uint32_t)(echo[4] << 8 | echo[5]) << 16 | (uint32_t)(echo[6] << 8 | echo[7]);
	m->data = echo + 8;
	m->len = len - (size_t)(m->data - icmp);
	return 1;
}

/* A reply or an ICMP error for one of our echoes (pair, attempt). */
static void got(prober *P, uint32_t s, const nsr_icmp_in *m)
{
	struct payload pl;
	uint32_t pair;

	if (!m->echo)
		return;
	if (m->reply) {
		if (m->len < sizeof pl)
			return;
		memcpy(&pl, m->data, sizeof pl);
		if (pl.magic != MAGIC || pl.nonce != P->nonce || pl.pair >= P->npairs ||
		    P->pairs[pl.pair].src != s || P->state[pl.pair] != INFLIGHT)
			return;
		P->res[pl.pair].rtt_ms = (float)((now_ns() - pl.sent_ns) / 1e6);
		finish(P, pl.pair);
		return;
	}
	pair = m->id;
	if (pair >= P->npairs || P->pairs[pair].src != s || P->state[pair] == DONE)
		return;
	/* the quoted payload, when the error quotes that much of it */
	if (m->len >= sizeof pl) {
		memcpy(&pl, m->data, sizeof pl);
		if (pl.magic != MAGIC || pl.nonce != P->nonce)
			return;
	}
	P->res[pair].icmp_type = m->type;
	P->res[pair].icmp_code = m->code;
	P->res[pair].mtu = m->mtu;
	P->res[pair].from = m->from;
}

static void receive(prober *P, uint32_t tag)
{
	uint32_t s = tag >> 1;
	int v6 = tag & 1, r;
	uint8_t buf[2048];
	nsr_icmp_in m;

	while ((r = nsr_icmp_recv(P->src[s].fd[v6], v6, buf, sizeof buf, &m)) >= 0)
		if (r)
			got(P, s, &m);
}

/* Echoes whose deadline passed: send again, or give up. */
static int expire(prober *P)
{
	uint64_t now = now_ns();

	while (P->count) {
		struct flight f = P->ring[P->head];

		if (P->state[f.pair] == INFLIGHT && f.deadline > now)
			break;
		P->head = (P->head + 1) % P->cap;
		P->count--;
		if (P->state[f.pair] != INFLIGHT || f.attempt + 1 != P->res[f.pair].attempts)
			continue;	/* answered, or sent again since */
		if (P->res[f.pair].attempts <= P->o.retries) {
			int err = send_echo(P, f.pair);

			if (err < 0)
				return err;
		} else
			finish(P, f.pair);
	}
	return 0;
}

void nsr_group_pairs(const nsr_probe_pair *pairs, size_t npairs, size_t nsrc, size_t *order,
		     size_t *start)
{
	memset(start, 0, (nsrc + 1) * sizeof *start);
	for (size_t i = 0; i < npairs; i++)
		start[pairs[i].src + 1]++;
	for (size_t s = 0; s < nsrc; s++)
		start[s + 1] += start[s];
	for (size_t i = 0; i < npairs; i++)	/* start[s] moves to start[s + 1] */
		order[start[pairs[i].src]++] = i;
	memmove(start + 1, start, nsrc * sizeof *start);
	start[0] = 0;
}

void nsr_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_max < 1048576) {
		struct rlimit more = { 1048576, 1048576 };

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int nsr_probe(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
	      size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
	      const nsr_probe_opts *opts, nsr_probe_result *res, nsr_error *e)
{
	prober P = { .srcns = sources, .tgt = targets, .pairs = pairs, .res = res,
		     .nsrc = nsrc, .npairs = npairs, .ep = -1, .e = e };
	size_t *count = NULL;
	int err = 0;

	P.o = (nsr_probe_opts){ 1000, 2, 32, NSR_PROBE_MIN_SIZE, -1 };
	if (opts) {
		if (opts->timeout_ms > 0)
			P.o.timeout_ms = opts->timeout_ms;
		if (opts->retries > NSR_PROBE_MAX_RETRIES)
			return nsr_failmsg(e, -EINVAL, "probe: retries %d is not 0..%d",
					   opts->retries, NSR_PROBE_MAX_RETRIES);
		if (opts->retries >= 0)
			P.o.retries = opts->retries;
		if (opts->window > 0)
			P.o.window = opts->window;
		if (opts->size && (opts->size < NSR_PROBE_MIN_SIZE || opts->size > NSR_PROBE_MAX_SIZE))
			return nsr_failmsg(e, -EINVAL, "probe: size %d is not %d..%d (bytes of data, "
					   "as ping -s)", opts->size, NSR_PROBE_MIN_SIZE,
					   NSR_PROBE_MAX_SIZE);
		if (opts->size)
			P.o.size = opts->size;
		P.o.df = opts->df;
	}
	if (getrandom(&P.nonce, sizeof P.nonce, 0) != sizeof P.nonce)
		P.nonce = (uint32_t)now_ns() ^ (uint32_t)getpid();
	for (size_t i = 0; i < npairs; i++) {
		res[i] = (nsr_probe_result){ .rtt_ms = -1 };
		if (pairs[i].src >= nsrc || pairs[i].dst >= ntgt)
			return nsr_failmsg(e, -EINVAL, "probe pair %zu: no such source or target", i);
	}
	if (npairs == 0)
		return 0;
	P.cap = MAX_OUTSTANDING;
	P.src = calloc(nsrc, sizeof *P.src);
	for (size_t s = 0; P.src && s < nsrc; s++)
		P.src[s].fd[0] = P.src[s].fd[1] = -1;	/* none opened: none to close */
	count = calloc(nsrc + 1, sizeof *count);
	P.order = malloc(npairs * sizeof *P.order);
	P.state = calloc(npairs, 1);
	P.ring = malloc(P.cap * sizeof *P.ring);
	P.ready = malloc(nsrc * sizeof *P.ready);
	P.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!P.src || !count || !P.order || !P.state || !P.ring || !P.ready || P.ep < 0) {
		err = nsr_fail(e, P.ep < 0 ? -errno : -ENOMEM, "prober");
		goto out;
	}
	nsr_group_pairs(pairs, npairs, nsrc, P.order, count);
	for (size_t s = 0; s < nsrc; s++) {
		P.src[s].next = count[s];
		P.src[s].end = count[s + 1];
		if (count[s] < count[s + 1])
			make_ready(&P, (uint32_t)s);
	}

	while (P.done < npairs) {
		struct epoll_event ev[256];
		int n, timeout = -1;

		if ((err = refill(&P)) < 0 || P.done == npairs)
			break;	/* sends can finish pairs: no route */
		if (P.count) {
			uint64_t now = now_ns(), dl = P.ring[P.head].deadline;

			timeout = dl > now ? (int)((dl - now) / 1000000u) + 1 : 0;
		}
		n = epoll_wait(P.ep, ev, 256, timeout);
		if (n < 0 && errno != EINTR) {
			err = nsr_fail(e, -errno, "prober: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++)
			receive(&P, ev[i].data.u32);
		if ((err = expire(&P)) < 0)
			break;
	}
out:
	if (P.src)
		for (size_t s = 0; s < nsrc; s++)
			for (int v = 0; v < 2; v++)
				if (P.src[s].fd[v] >= 0)
					close(P.src[s].fd[v]);
	if (P.ep >= 0)
		close(P.ep);
	free(P.src);
	free(count);
	free(P.order);
	free(P.state);
	free(P.ring);
	free(P.ready);
	return err;
}
