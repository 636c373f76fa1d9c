#define _GNU_SOURCE
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "service.h"

#define MAGIC 0x6e737375u	/* "nssu" */
#define MAX_INFLIGHT 4096	/* attempts in flight across all sources */
#define BACKLOG 4096
#define NONE UINT32_MAX

enum { RAW = 1, SLOT, LISTEN };	/* what an epoll event is about */

struct source {
	int raw[2];		/* IPv4, IPv6 raw ICMP sockets; -1 until opened */
	size_t next, end;	/* its pairs: order[next..end) not yet tried */
	int inflight, queued;
};

struct slot {			/* one attempt: a socket connecting */
	int fd;			/* -1: free */
	uint32_t pair;
	uint16_t port;		/* its local port */
	uint16_t gen;		/* bumped when freed: timers of old attempts */
	uint32_t next;		/* the next slot with the same local port */
	uint64_t sent;
};

struct timer {
	uint32_t slot;
	uint16_t gen;
	uint64_t deadline;
};

struct payload {
	uint32_t magic, nonce, pair;
};

typedef struct svc {
	nsr_ns *const *srcns;
	const nsr_target *tgt;
	const nsr_probe_pair *pairs;
	nsr_svc_result *res;
	nsr_svc_opts o;
	size_t npairs, done;
	struct source *src;
	size_t *order;
	uint8_t *final;
	struct slot *slot;
	uint32_t *free, nfree;
	uint32_t *byport;	/* [local port] -> first slot, NONE */
	struct timer *ring;
	size_t head, count;
	uint32_t *ready, nready;
	int *listen;		/* per target: nsrun's listener, or -1 */
	size_t ntgt;
	int ep;
	uint32_t nonce;
	nsr_error *e;
} svc;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static socklen_t sockaddr_of(const nsr_target *t, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (t->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, t->addr, 4);
		return sizeof *sin;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	memcpy(&sin6->sin6_addr, t->addr, 16);
	return sizeof *sin6;
}

static int watch(svc *P, int fd, uint32_t kind, uint32_t index, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)kind << 32 | index };

	return epoll_ctl(P->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* nsrun's listener on target t's address and port in ns, when nothing
 * listens there: the bind that fails with EADDRINUSE says a service does. */
static int open_listener(svc *P, size_t t, nsr_ns *ns)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&P->tgt[t], P->o.port, &ss);
	int fd, err = 0, one = 1;

	if ((err = nsr_ns_enter(ns, P->e)) < 0)
		return err;
	fd = socket(P->tgt[t].family, (P->o.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	else {
		if (P->tgt[t].family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || (!P->o.udp && listen(fd, BACKLOG) < 0))
			err = -errno;
	}
	if (nsr_ns_leave(P->e) < 0) {
		if (fd >= 0)
			close(fd);
		return P->e->code;
	}
	for (size_t j = 0; j < P->npairs; j++)	/* whose listener answers */
		if (P->pairs[j].dst == t)
			P->res[j].listener = err ? NSR_SVC_THEIRS : NSR_SVC_OURS;
	if (err == -EADDRINUSE || err == -EADDRNOTAVAIL) {
		/* a service listens; or the address is not in ns: as it is */
		close(fd);
		return 0;
	}
	if (err < 0) {
		if (fd >= 0)
			close(fd);
		return nsr_fail(P->e, err, "a listener on port %d in %s", P->o.port, nsr_ns_label(ns));
	}
	if ((err = watch(P, fd, LISTEN, (uint32_t)t, EPOLLIN)) < 0) {
		close(fd);
		return nsr_fail(P->e, err, "a listener in %s", nsr_ns_label(ns));
	}
	P->listen[t] = fd;
	return 0;
}

/* Serve nsrun's listener t: take connections (and close them), or
 * answer each datagram with itself. */
static void serve(svc *P, uint32_t t)
{
	int fd = P->listen[t];
	uint8_t buf[2048];

	for (;;) {
		if (!P->o.udp) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				return;
			close(c);
		} else {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				return;
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		}
	}
}

static void make_ready(svc *P, uint32_t s)
{
	if (!P->src[s].queued) {
		P->src[s].queued = 1;
		P->ready[P->nready++] = s;
	}
}

static void finish(svc *P, uint32_t pair, int state)
{
	if (P->final[pair])
		return;
	P->final[pair] = 1;
	P->res[pair].state = (uint8_t)state;
	P->done++;
}

static void free_slot(svc *P, uint32_t k)
{
	struct slot *sl = &P->slot[k];
	uint32_t *p = &P->byport[sl->port];

	while (*p != NONE && *p != k)
		p = &P->slot[*p].next;
	if (*p == k)
		*p = sl->next;
	close(sl->fd);
	sl->fd = -1;
	sl->gen++;
	P->free[P->nfree++] = k;
	P->src[P->pairs[sl->pair].src].inflight--;
	make_ready(P, P->pairs[sl->pair].src);
}

/* One attempt for pair, from inside its source's namespace: a socket,
 * connecting.  Returns -errno only when the checks cannot go on. */
static int attempt(svc *P, uint32_t pair)
{
	const nsr_target *t = &P->tgt[P->pairs[pair].dst];
	nsr_svc_result *r = &P->res[pair];
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(t, P->o.port, &ss);
	int v6 = t->family == AF_INET6, one = 1, fd, err;
	struct linger lg = { 1, 0 };	/* closed with a reset: no TIME_WAIT */
	struct payload pl = { MAGIC, P->nonce, pair };
	uint32_t k;

	r->attempts++;
	fd = socket(t->family, (P->o.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nsr_fail(P->e, -errno, "a socket in %s", nsr_ns_label(P->srcns[P->pairs[pair].src]));
	/* ICMP errors end the attempt at once, as a hard error would */
	setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, &one, sizeof one);
	if (!P->o.udp)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	err = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	if (!err && P->o.udp)
		err = send(fd, &pl, sizeof pl, 0) < 0 ? -errno : 0;
	if (err && err != -EINPROGRESS) {
		/* no route, no address to send from: the kernel's answer is final */
		close(fd);
		r->err = -err;
		finish(P, pair, err == -ECONNREFUSED ? NSR_SVC_REFUSED : NSR_SVC_UNREACHABLE);
		return 0;
	}
	k = P->free[--P->nfree];
	P->slot[k] = (struct slot){ .fd = fd, .pair = pair, .gen = P->slot[k].gen, .sent = now_ns() };
	{
		struct sockaddr_storage me;
		socklen_t ml = sizeof me;

		if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0)
			P->slot[k].port = ntohs(((struct sockaddr_in *)&me)->sin_port);	/* same offset in sin6 */
	}
	P->slot[k].next = P->byport[P->slot[k].port];
	P->byport[P->slot[k].port] = k;
	P->src[P->pairs[pair].src].inflight++;
	P->ring[(P->head + P->count++) % MAX_INFLIGHT] = (struct timer){ k, P->slot[k].gen,
		P->slot[k].sent + (uint64_t)P->o.timeout_ms * 1000000u };
	if ((err = watch(P, fd, SLOT, k, P->o.udp ? EPOLLIN : EPOLLOUT)) < 0)
		return nsr_fail(P->e, err, "prober: epoll");
	return 0;
}

/* The source's raw ICMP sockets, opened before its first attempt. */
static int open_raw(svc *P, uint32_t s)
{
	for (int v6 = 0; v6 < 2; v6++) {
		int fd, err;

		if (P->src[s].raw[v6] >= 0)
			continue;
		if ((fd = nsr_icmp_socket(P->srcns[s], v6 ? AF_INET6 : AF_INET, P->e)) < 0)
			return fd;
		P->src[s].raw[v6] = fd;
		if ((err = watch(P, fd, RAW, s << 1 | (uint32_t)v6, EPOLLIN)) < 0)
			return nsr_fail(P->e, err, "prober: epoll");
	}
	return 0;
}

static int refill(svc *P)
{
	while (P->nready && P->nfree) {
		uint32_t s = P->ready[--P->nready];
		struct source *src = &P->src[s];
		int err = 0;

		src->queued = 0;
		if (src->next == src->end || src->inflight >= P->o.window)
			continue;
		if ((err = open_raw(P, s)) < 0 || (err = nsr_ns_enter(P->srcns[s], P->e)) < 0)
			return err;
		while (src->next < src->end && src->inflight < P->o.window && P->nfree && !err)
			err = attempt(P, (uint32_t)P->order[src->next++]);
		if (nsr_ns_leave(P->e) < 0)
			return P->e->code;
		if (err < 0)
			return err;
		if (src->next < src->end && src->inflight < P->o.window)
			make_ready(P, s);	/* the global window was full */
	}
	return 0;
}

/* ICMP errors that reached source s: each about one of our attempts (its
 * ports, then its destination) is recorded for it, with its sender. */
static void raw_in(svc *P, uint32_t s, int v6)
{
	int proto = P->o.udp ? IPPROTO_UDP : IPPROTO_TCP, r;
	uint8_t buf[2048];
	nsr_icmp_in m;

	while ((r = nsr_icmp_recv(P->src[s].raw[v6], v6, buf, sizeof buf, &m)) >= 0) {
		if (r == 0 || m.reply || m.proto != proto || (m.l4[2] << 8 | m.l4[3]) != P->o.port)
			continue;
		for (uint32_t k = P->byport[m.l4[0] << 8 | m.l4[1]]; k != NONE; k = P->slot[k].next) {
			const nsr_probe_pair *pp = &P->pairs[P->slot[k].pair];
			nsr_svc_result *res = &P->res[P->slot[k].pair];

			if (pp->src != s || memcmp(P->tgt[pp->dst].addr, m.qdst, v6 ? 16 : 4) != 0)
				continue;
			res->icmp_type = m.type;
			res->icmp_code = m.code;
			res->from = m.from;
			break;
		}
	}
}

/* An event on attempt k's socket: an answer, or an error. */
static void answer(svc *P, uint32_t k)
{
	struct slot *sl = &P->slot[k];
	uint32_t pair = sl->pair;
	nsr_svc_result *r = &P->res[pair];
	int err = 0, state;
	socklen_t el = sizeof err;

	if (sl->fd < 0)
		return;
	if (P->o.udp) {
		uint8_t buf[2048];

		/* any datagram from the peer it is connected to is an answer */
		if (recv(sl->fd, buf, sizeof buf, 0) < 0) {
			if (errno == EAGAIN)
				return;
			err = errno;
		}
	} else if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err == EAGAIN || err == EINPROGRESS)
		return;
	r->ms = (float)((now_ns() - sl->sent) / 1e6);
	r->err = err;
	state = !err ? NSR_SVC_OPEN : err == ECONNREFUSED ? NSR_SVC_REFUSED
		: err == ETIMEDOUT ? NSR_SVC_FILTERED : NSR_SVC_UNREACHABLE;
	if (err) {	/* the ICMP error behind it was queued first: read it */
		int v6 = P->tgt[P->pairs[pair].dst].family == AF_INET6;

		raw_in(P, P->pairs[pair].src, v6);
	}
	finish(P, pair, state);
	free_slot(P, k);
}

/* Attempts whose time is up: again (from inside the source), or filtered. */
static int expire(svc *P)
{
	uint64_t now = now_ns();

	while (P->count) {
		struct timer t = P->ring[P->head];
		struct slot *sl = &P->slot[t.slot];
		uint32_t pair = sl->pair, s;
		int err;

		if (sl->fd >= 0 && sl->gen == t.gen && t.deadline > now)
			break;
		P->head = (P->head + 1) % MAX_INFLIGHT;
		P->count--;
		if (sl->fd < 0 || sl->gen != t.gen)
			continue;	/* answered */
		free_slot(P, t.slot);
		if (P->res[pair].attempts > P->o.retries) {
			P->res[pair].ms = (float)P->o.timeout_ms;
			finish(P, pair, NSR_SVC_FILTERED);
			continue;
		}
		s = P->pairs[pair].src;
		if ((err = nsr_ns_enter(P->srcns[s], P->e)) < 0)
			return err;
		err = attempt(P, pair);
		if (nsr_ns_leave(P->e) < 0)
			return P->e->code;
		if (err < 0)
			return err;
	}
	return 0;
}

int nsr_svc_probe(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
		  nsr_ns *const *tgtns, size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
		  const nsr_svc_opts *opts, nsr_svc_result *res, nsr_error *e)
{
	svc P = { .srcns = sources, .tgt = targets, .pairs = pairs, .res = res, .npairs = npairs,
		  .ntgt = ntgt, .ep = -1, .e = e };
	size_t *count = NULL;
	int err = 0;

	P.o = *opts;
	if (P.o.port < 1 || P.o.port > 65535)
		return nsr_failmsg(e, -EINVAL, "port %d is not 1..65535", P.o.port);
	if (P.o.timeout_ms <= 0)
		P.o.timeout_ms = 1000;
	if (P.o.retries < 0)
		P.o.retries = 1;
	if (P.o.window <= 0)
		P.o.window = 32;
	for (size_t i = 0; i < npairs; i++) {
		res[i] = (nsr_svc_result){ .listener = NSR_SVC_UNKNOWN };
		if (pairs[i].src >= nsrc || pairs[i].dst >= ntgt)
			return nsr_failmsg(e, -EINVAL, "service pair %zu: no such source or target", i);
	}
	if (npairs == 0)
		return 0;
	if (getrandom(&P.nonce, sizeof P.nonce, 0) != sizeof P.nonce)
		P.nonce = (uint32_t)now_ns();
	nsr_raise_nofile();
	P.src = calloc(nsrc, sizeof *P.src);
	for (size_t s = 0; P.src && s < nsrc; s++)
		P.src[s].raw[0] = P.src[s].raw[1] = -1;
	P.listen = malloc(ntgt * sizeof *P.listen);
	for (size_t t = 0; P.listen && t < ntgt; t++)
		P.listen[t] = -1;
	count = calloc(nsrc + 1, sizeof *count);
	P.order = malloc(npairs * sizeof *P.order);
	P.final = calloc(npairs, 1);
	P.slot = malloc(MAX_INFLIGHT * sizeof *P.slot);
	P.free = malloc(MAX_INFLIGHT * sizeof *P.free);
	P.byport = malloc(65536 * sizeof *P.byport);
	P.ring = malloc(MAX_INFLIGHT * sizeof *P.ring);
	P.ready = malloc(nsrc * sizeof *P.ready);
	P.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!P.src || !P.listen || !count || !P.order || !P.final || !P.slot || !P.free ||
	    !P.byport || !P.ring || !P.ready || P.ep < 0) {
		err = nsr_fail(e, P.ep < 0 ? -errno : -ENOMEM, "service prober");
		goto out;
	}
	for (uint32_t k = 0; k < MAX_INFLIGHT; k++) {
		P.slot[k] = (struct slot){ .fd = -1 };
		P.free[P.nfree++] = MAX_INFLIGHT - 1 - k;
	}
	for (size_t p = 0; p < 65536; p++)
		P.byport[p] = NONE;
	for (size_t t = 0; tgtns && t < ntgt; t++)
		if (tgtns[t] && (err = open_listener(&P, t, tgtns[t])) < 0)
			goto out;
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
			break;
		if (P.count) {
			uint64_t now = now_ns(), dl = P.ring[P.head].deadline;

			timeout = dl > now ? (int)((dl - now) / 1000000u) + 1 : 0;
		}
		n = epoll_wait(P.ep, ev, 256, timeout);
		if (n < 0 && errno != EINTR) {
			err = nsr_fail(e, -errno, "service prober: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++) {
			uint32_t kind = (uint32_t)(ev[i].data.u64 >> 32), x = (uint32_t)ev[i].data.u64;

			if (kind == RAW)
				raw_in(&P, x >> 1, x & 1);
			else if (kind == SLOT)
				answer(&P, x);
			else
				serve(&P, x);
		}
		if ((err = expire(&P)) < 0)
			break;
	}
out:
	for (uint32_t k = 0; P.slot && k < MAX_INFLIGHT; k++)
		if (P.slot[k].fd >= 0)
			close(P.slot[k].fd);
	for (size_t s = 0; P.src && s < nsrc; s++)
		for (int v = 0; v < 2; v++)
			if (P.src[s].raw[v] >= 0)
				close(P.src[s].raw[v]);
	for (size_t t = 0; P.listen && t < ntgt; t++)
		if (P.listen[t] >= 0)
			close(P.listen[t]);
	if (P.ep >= 0)
		close(P.ep);
	free(P.src);
	free(P.listen);
	free(count);
	free(P.order);
	free(P.final);
	free(P.slot);
	free(P.free);
	free(P.byport);
	free(P.ring);
	free(P.ready);
	return err;
}
