#define _GNU_SOURCE
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "outage.h"

#define MAGIC 0x6e73726fu	/* "nsro" */
#define NONE INT64_MIN

struct payload {
	uint32_t magic;
	uint32_t nonce;		/* this run's */
	uint32_t pair;
	uint32_t slot;
};

struct nsr_outage {
	const nsr_target *tgt;
	const nsr_probe_pair *pairs;
	size_t nsrc, npairs;
	nsr_outage_opts o;
	int (*fd)[2];		/* per source: IPv4, IPv6 sockets or -1 */
	int ep;
	uint32_t nonce;
	uint64_t t0, I;		/* slot 0's start; the interval, ns */
	uint32_t R;		/* slots kept open (timeout / interval + 3) */
	uint8_t *got;		/* [pair * R + slot % R]: answered */
	uint8_t *ever;		/* [pair]: answered once */
	int64_t *last_lost;	/* [pair]: the last lost slot, NONE */
	nsr_outage_pair *res;
	uint32_t *timeline;	/* lost echoes per slot from the mark */
	size_t nslots, cap;
	uint64_t sent, finalized;	/* echoes sent (pair + slot * npairs); slots done */
	uint64_t *sent_at;	/* [slot % R]: when its last echo went, 0: not yet */
	uint8_t *skipped;	/* [slot % R]: not sent at all, the prober was late */
	uint64_t nskipped;
	int64_t mark_slot;	/* -1 until the thread sees the mark */
	uint64_t drops;
	atomic_size_t answered;
	atomic_uint_fast64_t mark_ns;
	atomic_uint_fast64_t applied_ns;	/* the fault is in place */
	int64_t applied_slot;	/* -1 until the thread sees it */
	atomic_int stop;
	pthread_t thread;
	int running, err;
	nsr_error e;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void send_echo(nsr_outage *O, uint64_t g)
{
	uint32_t pair = (uint32_t)(g % O->npairs), slot = (uint32_t)(g / O->npairs);
	const nsr_probe_pair *pp = &O->pairs[pair];
	const nsr_target *t = &O->tgt[pp->dst];
	struct payload pl = { MAGIC, O->nonce, pair, slot };
	int err = nsr_icmp_send(O->fd[pp->src][t->family == AF_INET6], t, pair, &pl, sizeof pl, 0);

	if (err == -EAGAIN || err == -ENOBUFS) {
		/* the prober's own limit, not the network's: no news (as if
		 * answered), and counted */
		O->got[(size_t)pair * O->R + slot % O->R] = 1;
		O->drops++;
	} else if (err < 0 && O->mark_slot >= 0 && slot >= O->mark_slot)
		O->res[pair].err = -err;	/* no route...: lost */
}

/* An answer (or an ICMP error) to pair's echo of slot. */
static void got(nsr_outage *O, uint32_t s, const nsr_icmp_in *m)
{
	struct payload pl;

	if (!m->echo || m->len < sizeof pl)
		return;	/* not ours, or an error that quotes too little */
	memcpy(&pl, m->data, sizeof pl);
	if (pl.magic != MAGIC || pl.nonce != O->nonce || pl.pair >= O->npairs ||
	    O->pairs[pl.pair].src != s)
		return;
	if (m->reply) {
		if (pl.slot >= O->finalized && pl.slot < O->finalized + O->R)
			O->got[(size_t)pl.pair * O->R + pl.slot % O->R] = 1;
		if (!O->ever[pl.pair]) {
			O->ever[pl.pair] = 1;
			atomic_fetch_add(&O->answered, 1);
		}
	} else if (O->mark_slot >= 0 && pl.slot >= O->mark_slot) {
		O->res[pl.pair].icmp_type = m->type;
		O->res[pl.pair].icmp_code = m->code;
		O->res[pl.pair].from = m->from;
	}
}

static void receive(nsr_outage *O, uint32_t tag)
{
	uint32_t s = tag >> 1;
	int v6 = tag & 1, r;
	uint8_t buf[2048];
	nsr_icmp_in m;

	while ((r = nsr_icmp_recv(O->fd[s][v6], v6, buf, sizeof buf, &m)) >= 0)
		if (r)
			got(O, s, &m);
}

/* Slot k's echoes are answered or lost now.  Returns 1 when the run is
 * over: every pair answered for hold after the mark, or within passed. */
static int finalize(nsr_outage *O)
{
	uint64_t k = O->finalized++;
	int after = O->mark_slot >= 0 && (int64_t)k >= O->mark_slot;
	int skip = O->skipped[k % O->R], counted = after && !skip;
	int64_t hold = (int64_t)((uint64_t)O->o.hold_ms * 1000000u / O->I);
	size_t lost = 0, trouble = 0;

	if (hold < 1)
		hold = 1;
	/* a skipped slot sent no echo: no news, neither lost nor answered */
	O->nskipped += after && skip;
	O->skipped[k % O->R] = 0;
	O->sent_at[k % O->R] = 0;
	for (size_t i = 0; i < O->npairs; i++) {
		uint8_t *b = &O->got[i * O->R + k % O->R];
		nsr_outage_pair *r = &O->res[i];

		if (counted)
			r->sent++;
		if (skip || *b)
			*b = 0;
		else {
			O->last_lost[i] = (int64_t)k;
			if (counted) {
				r->lost++;
				if (r->first_lost < 0)
					r->first_lost = (int32_t)(k - O->mark_slot);
				r->last_lost = (int32_t)(k - O->mark_slot);
				lost++;
			}
		}
		if (O->last_lost[i] != NONE && O->last_lost[i] > (int64_t)k - hold)
			trouble++;
	}
	if (!after)
		return 0;	/* before the mark */
	if (O->nslots == O->cap) {
		size_t cap = O->cap ? 2 * O->cap : 1024;
		uint32_t *t = realloc(O->timeline, cap * sizeof *t);

		if (!t) {
			O->err = nsr_fail(&O->e, -ENOMEM, "outage prober");
			return 1;
		}
		O->timeline = t;
		O->cap = cap;
	}
	O->timeline[O->nslots++] = (uint32_t)lost;
	if ((uint64_t)O->nslots * O->I >= (uint64_t)O->o.within_ms * 1000000u)
		return 1;
	/* every pair answered for hold since the fault was in place */
	return O->applied_slot >= 0 && (int64_t)k - O->applied_slot + 1 >= hold && trouble == 0;
}

/* Whether slot k (the oldest open) is done: skipped, or every echo sent
 * timeout ago. */
static int slot_done(const nsr_outage *O, uint64_t now, uint64_t timeout)
{
	uint64_t k = O->finalized, at = O->sent_at[k % O->R];

	if (O->sent < (k + 1) * O->npairs)
		return 0;
	return O->skipped[k % O->R] || now >= at + timeout;
}

static void *run(void *arg)
{
	nsr_outage *O = arg;
	uint64_t timeout = (uint64_t)O->o.timeout_ms * 1000000u;
	uint64_t gran = O->I / 8 > 100000 ? O->I / 8 : 100000;	/* sends per wake-up */

	O->t0 = now_ns();
	for (;;) {
		uint64_t now = now_ns(), mark = atomic_load(&O->mark_ns), due, wake, next;
		uint64_t applied = atomic_load(&O->applied_ns);
		struct epoll_event ev[64];
		struct timespec ts;
		int n;

		if (atomic_load(&O->stop))
			break;
		if (mark && O->mark_slot < 0)
			O->mark_slot = mark <= O->t0 ? 0 : (int64_t)((mark - O->t0) / O->I);
		if (applied && O->applied_slot < 0)
			O->applied_slot = applied <= O->t0 ? 0 : (int64_t)((applied - O->t0) / O->I);
		/* slots whose every echo had its time */
		while (slot_done(O, now, timeout))
			if (finalize(O))
				goto out;
		due = (now - O->t0) * O->npairs / O->I + 1;
		while (O->sent < due) {
			uint64_t slot = O->sent / O->npairs;

			if (slot >= O->finalized + O->R - 1 && finalize(O))
				goto out;	/* late: its ring slot is needed */
			if (O->sent % O->npairs == 0 && slot < (due - 1) / O->npairs) {
				/* a whole slot behind (a busy machine): skip it
				 * rather than send it late, and say so */
				O->skipped[slot % O->R] = 1;
				O->sent += O->npairs;
				O->sent_at[slot % O->R] = now;
				continue;
			}
			send_echo(O, O->sent++);
			if (O->sent % O->npairs == 0)
				O->sent_at[slot % O->R] = now_ns();
		}
		next = O->t0 + O->sent * O->I / O->npairs;
		wake = next > now + gran ? next : now + gran;
		if (O->sent >= (O->finalized + 1) * O->npairs &&
		    O->sent_at[O->finalized % O->R] + timeout < wake)
			wake = O->sent_at[O->finalized % O->R] + timeout;
		wake = wake > now ? wake - now : 0;
		ts = (struct timespec){ (time_t)(wake / 1000000000u), (long)(wake % 1000000000u) };
		n = epoll_pwait2(O->ep, ev, 64, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			O->err = nsr_fail(&O->e, -errno, "outage prober: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++)
			receive(O, ev[i].data.u32);
	}
out:
	return NULL;
}

int nsr_outage_start(nsr_ns *const *sources, size_t nsrc, const nsr_target *targets,
		     size_t ntgt, const nsr_probe_pair *pairs, size_t npairs,
		     const nsr_outage_opts *opts, nsr_outage **out, nsr_error *e)
{
	nsr_outage *O;
	int err;

	*out = NULL;
	if (npairs == 0)
		return nsr_failmsg(e, -EINVAL, "outage: no pair to probe");
	for (size_t i = 0; i < npairs; i++)
		if (pairs[i].src >= nsrc || pairs[i].dst >= ntgt)
			return nsr_failmsg(e, -EINVAL, "outage pair %zu: no such source or target", i);
	if (!(O = calloc(1, sizeof *O)))
		return nsr_fail(e, -ENOMEM, "outage prober");
	O->tgt = targets;
	O->pairs = pairs;
	O->nsrc = nsrc;
	O->npairs = npairs;
	O->ep = -1;
	O->mark_slot = -1;
	O->applied_slot = -1;
	O->o = (nsr_outage_opts){ 10000, 1000, 1000, 10000 };
	if (opts) {
		if (opts->interval_us > 0)
			O->o.interval_us = opts->interval_us;
		if (opts->timeout_ms > 0)
			O->o.timeout_ms = opts->timeout_ms;
		if (opts->hold_ms > 0)
			O->o.hold_ms = opts->hold_ms;
		if (opts->within_ms > 0)
			O->o.within_ms = opts->within_ms;
	}
	if (O->o.interval_us < 1000) {
		err = nsr_failmsg(e, -EINVAL, "outage: an interval of at least 1 ms, not %d us",
				  O->o.interval_us);
		free(O);
		return err;
	}
	O->I = (uint64_t)O->o.interval_us * 1000u;
	O->R = (uint32_t)((uint64_t)O->o.timeout_ms * 1000000u / O->I) + 3;
	if ((uint64_t)npairs * O->R > (1u << 28)) {
		err = nsr_failmsg(e, -E2BIG, "outage: %zu pairs with a timeout of %d ms at %d us "
				  "are too many echoes in flight: fewer pairs or a shorter timeout",
				  npairs, O->o.timeout_ms, O->o.interval_us);
		free(O);
		return err;
	}
	if ((O->fd = malloc(nsrc * sizeof *O->fd)))
		for (size_t s = 0; s < nsrc; s++)
			O->fd[s][0] = O->fd[s][1] = -1;	/* none opened: none to close */
	O->got = calloc((size_t)npairs * O->R, 1);
	O->ever = calloc(npairs, 1);
	O->last_lost = malloc(npairs * sizeof *O->last_lost);
	O->res = calloc(npairs, sizeof *O->res);
	O->sent_at = calloc(O->R, sizeof *O->sent_at);
	O->skipped = calloc(O->R, 1);
	O->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!O->fd || !O->got || !O->ever || !O->last_lost || !O->res || !O->sent_at ||
	    !O->skipped || O->ep < 0) {
		err = nsr_fail(e, O->ep < 0 ? -errno : -ENOMEM, "outage prober");
		goto fail;
	}
	for (size_t i = 0; i < npairs; i++) {
		O->last_lost[i] = NONE;
		O->res[i].first_lost = O->res[i].last_lost = -1;
	}
	if (getrandom(&O->nonce, sizeof O->nonce, 0) != sizeof O->nonce)
		O->nonce = (uint32_t)now_ns() ^ (uint32_t)getpid();
	nsr_raise_nofile();
	/* the sockets, here: entering namespaces is this thread's business */
	for (size_t i = 0; i < npairs; i++) {
		uint32_t s = pairs[i].src;
		int v6 = targets[pairs[i].dst].family == AF_INET6, fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = s << 1 | v6 };

		if (O->fd[s][v6] >= 0)
			continue;
		if ((fd = nsr_icmp_socket(sources[s], v6 ? AF_INET6 : AF_INET, e)) < 0) {
			err = fd;
			goto fail;
		}
		O->fd[s][v6] = fd;
		if (epoll_ctl(O->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			err = nsr_fail(e, -errno, "ICMP socket in %s", nsr_ns_label(sources[s]));
			goto fail;
		}
	}
	if ((err = pthread_create(&O->thread, NULL, run, O)) != 0) {
		err = nsr_fail(e, -err, "outage prober thread");
		goto fail;
	}
	O->running = 1;
	*out = O;
	return 0;
fail:
	nsr_outage_free(O);
	return err;
}

size_t nsr_outage_answered(nsr_outage *o)
{
	return atomic_load(&o->answered);
}

void nsr_outage_mark(nsr_outage *o)
{
	atomic_store(&o->mark_ns, now_ns());
}

void nsr_outage_applied(nsr_outage *o)
{
	atomic_store(&o->applied_ns, now_ns());
}

/* The sockets and the epoll fd, closed once the thread is done: an open
 * socket keeps its namespace alive. */
static void close_fds(nsr_outage *o)
{
	for (size_t s = 0; o->fd && s < o->nsrc; s++)
		for (int v = 0; v < 2; v++)
			if (o->fd[s][v] >= 0) {
				close(o->fd[s][v]);
				o->fd[s][v] = -1;
			}
	if (o->ep >= 0)
		close(o->ep);
	o->ep = -1;
}

int nsr_outage_wait(nsr_outage *o, nsr_error *e)
{
	if (!atomic_load(&o->mark_ns))
		atomic_store(&o->stop, 1);
	if (o->running) {
		pthread_join(o->thread, NULL);
		o->running = 0;
	}
	close_fds(o);
	for (size_t i = 0; i < o->npairs; i++)
		o->res[i].answered = o->ever[i];
	if (o->err < 0) {
		*e = o->e;
		return o->err;
	}
	return 0;
}

const nsr_outage_pair *nsr_outage_results(const nsr_outage *o)
{
	return o->res;
}

int nsr_outage_interval_us(const nsr_outage *o)
{
	return o->o.interval_us;
}

size_t nsr_outage_slots(const nsr_outage *o, const uint32_t **lost_per_slot)
{
	*lost_per_slot = o->timeline;
	return o->nslots;
}

uint64_t nsr_outage_send_drops(const nsr_outage *o)
{
	return o->drops;
}

uint64_t nsr_outage_skipped(const nsr_outage *o)
{
	return o->nskipped;
}

void nsr_outage_free(nsr_outage *o)
{
	if (!o)
		return;
	if (o->running) {
		atomic_store(&o->stop, 1);
		pthread_join(o->thread, NULL);
	}
	close_fds(o);
	free(o->fd);
	free(o->got);
	free(o->ever);
	free(o->last_lost);
	free(o->res);
	free(o->timeline);
	free(o->sent_at);
	free(o->skipped);
	free(o);
}
