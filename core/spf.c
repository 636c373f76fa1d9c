/*
 * spf.c -- static routes by hop count: a BFS per destination, hop sets
 * shared per router, exact buddy aggregation (see spf.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"

/* p grown to hold need elements of size (at least one; capacity doubled);
 * NULL, with p untouched, when out of memory. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap && p)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

/* The distinct hop sets: (router, entries), numbered in order of first use,
 * found again through an open-addressing table of their numbers. */
typedef struct hopsets {
	int n;
	size_t *first;		/* n + 1 offsets into hops */
	int *router;
	size_t cap;		/* of router; first has one more */
	int *hops;
	size_t nhops, cap_hops;
	int *slot;		/* a hop set's number, or -1 */
	size_t nslots;		/* a power of two, at least twice n */
} hopsets;

static size_t hash(int r, const int *e, size_t k)
{
	uint64_t h = 14695981039346656037u;	/* FNV-1a */

	h = (h ^ (uint32_t)r) * 1099511628211u;
	for (size_t i = 0; i < k; i++)
		h = (h ^ (uint32_t)e[i]) * 1099511628211u;
	return (size_t)(h ^ (h >> 29));
}

static int rehash(hopsets *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 64, mask = n - 1;
	int *slot;

	if (n > SIZE_MAX / sizeof *slot)
		return -ENOMEM;
	slot = malloc(n * sizeof *slot);
	if (!slot)
		return -ENOMEM;
	memset(slot, 0xff, n * sizeof *slot);
	for (int id = 0; id < s->n; id++) {
		size_t i = hash(s->router[id], s->hops + s->first[id],
				s->first[id + 1] - s->first[id]) & mask;

		while (slot[i] >= 0)
			i = (i + 1) & mask;
		slot[i] = id;
	}
	free(s->slot);
	s->slot = slot;
	s->nslots = n;
	return 0;
}

/* The number of router r's hop set e[0..k-1], added when new; -ENOMEM. */
static int intern(hopsets *s, int r, const int *e, size_t k)
{
	size_t mask, i;
	void *p;

	if ((size_t)s->n + 1 > s->nslots / 2 && rehash(s) < 0)
		return -ENOMEM;
	mask = s->nslots - 1;
	for (i = hash(r, e, k) & mask; s->slot[i] >= 0; i = (i + 1) & mask) {
		int id = s->slot[i];

		if (s->router[id] == r && s->first[id + 1] - s->first[id] == k &&
		    !memcmp(s->hops + s->first[id], e, k * sizeof *e))
			return id;
	}
	if (s->n == INT_MAX - 1)
		return -ENOMEM;
	if ((size_t)s->n + 1 >= s->cap) {
		size_t cap = s->cap;

		p = grow(s->router, &cap, (size_t)s->n + 2, sizeof *s->router);
		if (!p)
			return -ENOMEM;
		s->router = p;
		p = realloc(s->first, cap * sizeof *s->first);
		if (!p)
			return -ENOMEM;
		s->first = p;
		s->cap = cap;
	}
	p = grow(s->hops, &s->cap_hops, s->nhops + k, sizeof *s->hops);
	if (!p)
		return -ENOMEM;
	s->hops = p;
	memcpy(s->hops + s->nhops, e, k * sizeof *e);
	s->nhops += k;
	s->router[s->n] = r;
	s->first[s->n + 1] = s->nhops;
	s->slot[i] = s->n;
	return s->n++;
}

/* offsets first[0..n]: from 0, never backwards; the last one in *total */
static int check_offsets(const size_t *first, int n, size_t *total)
{
	if (!first || first[0] != 0)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (first[i + 1] < first[i])
			return -EINVAL;
	*total = first[n];
	return 0;
}

static int check(const nsr_spf_graph *g, size_t *maxdeg)
{
	size_t nadj, nown, npfx;

	if (g->nrouters < 0 || g->ndests < 0 ||
	    check_offsets(g->adj_first, g->nrouters, &nadj) < 0 ||
	    check_offsets(g->own_first, g->ndests, &nown) < 0 ||
	    check_offsets(g->pfx_first, g->ndests, &npfx) < 0 ||
	    nadj > INT_MAX || (nadj && !g->adj_to) || (nown && !g->owners) ||
	    (npfx && !g->prefixes))
		return -EINVAL;
	*maxdeg = 0;
	for (int r = 0; r < g->nrouters; r++)
		if (g->adj_first[r + 1] - g->adj_first[r] > *maxdeg)
			*maxdeg = g->adj_first[r + 1] - g->adj_first[r];
	for (size_t i = 0; i < nadj; i++)
		if (g->adj_to[i] < 0 || g->adj_to[i] >= g->nrouters)
			return -EINVAL;
	for (size_t i = 0; i < nown; i++)
		if (g->owners[i] < 0 || g->owners[i] >= g->nrouters)
			return -EINVAL;
	for (size_t i = 0; i < npfx; i++)
		if (g->prefixes[i].len < 0 || g->prefixes[i].len > 32)
			return -EINVAL;
	return 0;
}

/* dist[r]: hops from destination d's owners to r, -1 when unreachable */
static void bfs(const nsr_spf_graph *g, int d, int *dist, int *queue)
{
	size_t head = 0, tail = 0;

	for (int r = 0; r < g->nrouters; r++)
		dist[r] = -1;
	for (size_t i = g->own_first[d]; i < g->own_first[d + 1]; i++) {
		int o = g->owners[i];

		if (dist[o] < 0) {
			dist[o] = 0;
			queue[tail++] = o;
		}
	}
	while (head < tail) {
		int r = queue[head++];

		for (size_t e = g->adj_first[r]; e < g->adj_first[r + 1]; e++) {
			int to = g->adj_to[e];

			if (dist[to] < 0) {
				dist[to] = dist[r] + 1;
				queue[tail++] = to;
			}
		}
	}
}

/*
 * A router's routes are aggregated and ordered as 64-bit keys:
 *   before, by hop set, the longest prefixes first, then by network:
 *     rank << 38 | (32 - len) << 32 | net
 *   after, by network, then length (then hop set, for equal prefixes):
 *     net << 32 | len << 26 | rank
 * where rank numbers the router's hop sets in order of first use (so the
 * same order as their numbers).
 */
#define RANK_BITS 26
#define RANK_MASK (((uint64_t)1 << RANK_BITS) - 1)
#define GROUP_SHIFT 38		/* 64 - RANK_BITS */
#define BLOCK 16		/* destinations searched at once */

/* Sort v[0..n-1] (tmp: as large): LSD radix, a byte at a time, skipping
 * the bytes all keys share; insertion for a few. */
static void sort_keys(uint64_t *v, uint64_t *tmp, size_t n)
{
	size_t count[8][256];
	uint64_t *src = v, *dst = tmp, *t;

	if (n < 64) {
		for (size_t i = 1; i < n; i++) {
			uint64_t x = v[i];
			size_t j = i;

			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][v[i] >> (8 * b) & 255]++;
	for (int b = 0; b < 8; b++) {
		size_t *c = count[b], sum = 0;

		if (c[v[0] >> (8 * b) & 255] == n)
			continue;
		for (int i = 0; i < 256; i++) {
			size_t x = c[i];

			c[i] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[src[i] >> (8 * b) & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

static int contains(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == x)
			return 1;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

typedef struct work {
	const nsr_spf_graph *g;
	hopsets s;
	int32_t *hs;		/* hs[r * ndests + d]: router r's hop set for d, or -1 */
	int *dist;		/* BLOCK rows of nrouters: hops to a destination, or -1 */
	int *queue, *idx;
	int *rank;		/* rank[h]: hop set h's rank at this router, or -1 */
	int *ranked;		/* this router's hop sets by rank */
	uint64_t *keys, *out, *tmp;	/* one router's routes, as keys */
	uint32_t *cur, *carry;	/* one length's prefixes, the next one's */
	size_t cap;		/* of each of those five */
	size_t nroutes, cap_routes;
} work;

/* Aggregate one hop set's keys it[0..n-1] (sorted) into w->out[*nout...]:
 * at each length, the given prefixes and those merged from the length
 * below, without repeats; two buddies make their parent, the others are
 * routes. */
static void merge_buddies(work *w, const uint64_t *it, size_t n, size_t *nout)
{
	uint64_t rank = it[0] >> GROUP_SHIFT;
	size_t i = 0, ncarry = 0;

	for (int len = 32; len >= 0 && (i < n || ncarry); len--) {
		uint32_t bit = len ? (uint32_t)1 << (32 - len) : 0;
		uint32_t up = len > 1 ? ~(uint32_t)0 << (33 - len) : 0;
		size_t j = i, a, c = 0, ncur = 0;

		while (j < n && (int)(it[j] >> 32 & 63) == 32 - len)
			j++;
		for (a = i; a < j || c < ncarry;) {	/* merge, without repeats */
			uint32_t x;

			if (c == ncarry || (a < j && (uint32_t)it[a] < w->carry[c]))
				x = (uint32_t)it[a++];
			else
				x = w->carry[c++];
			if (!ncur || w->cur[ncur - 1] != x)
				w->cur[ncur++] = x;
		}
		i = j;
		ncarry = 0;
		for (size_t k = 0; k < ncur; k++) {
			uint32_t x = w->cur[k];

			if (len && contains(w->cur, ncur, x ^ bit)) {
				/* parents come out in order: x & up grows with x */
				if (!(x & bit) && (!ncarry || w->carry[ncarry - 1] != (x & up)))
					w->carry[ncarry++] = x & up;
				continue;
			}
			w->out[(*nout)++] = (uint64_t)x << 32 | (uint64_t)len << RANK_BITS | rank;
		}
	}
}

/* Room for m keys in each of w's five scratch arrays. */
static int reserve(work *w, size_t m)
{
	size_t cap = w->cap ? w->cap : 64;
	void *p;

	if (m <= w->cap)
		return 0;
	while (cap < m) {
		if (cap > SIZE_MAX / 2 / sizeof *w->keys)
			return -ENOMEM;
		cap *= 2;
	}
	if (!(p = realloc(w->keys, cap * sizeof *w->keys)))
		return -ENOMEM;
	w->keys = p;
	if (!(p = realloc(w->out, cap * sizeof *w->out)))
		return -ENOMEM;
	w->out = p;
	if (!(p = realloc(w->tmp, cap * sizeof *w->tmp)))
		return -ENOMEM;
	w->tmp = p;
	if (!(p = realloc(w->cur, cap * sizeof *w->cur)))
		return -ENOMEM;
	w->cur = p;
	if (!(p = realloc(w->carry, cap * sizeof *w->carry)))
		return -ENOMEM;
	w->carry = p;
	w->cap = cap;
	return 0;
}

/* Router r's routes, appended to out->routes[w->nroutes...]. */
static int router_routes(work *w, int aggregate, nsr_spf_result *out, size_t r)
{
	const nsr_spf_graph *g = w->g;
	size_t D = (size_t)g->ndests, m = 0, nout = 0, nranks = 0;
	const int32_t *row = w->hs + r * D;
	nsr_spf_route *routes;
	void *p;

	for (size_t d = 0; d < D; d++)
		if (row[d] >= 0)
			m += g->pfx_first[d + 1] - g->pfx_first[d];
	if (m > SIZE_MAX / 2 - w->nroutes)
		return -ENOMEM;
	p = grow(out->routes, &w->cap_routes, w->nroutes + m, sizeof *out->routes);
	if (!p)
		return -ENOMEM;
	out->routes = p;
	routes = out->routes + w->nroutes;
	if (!aggregate) {
		for (size_t d = 0; d < D; d++) {
			if (row[d] < 0)
				continue;
			for (size_t i = g->pfx_first[d]; i < g->pfx_first[d + 1]; i++)
				routes[nout++] = (nsr_spf_route){ g->prefixes[i].net,
								  g->prefixes[i].len, row[d] };
		}
		w->nroutes += nout;
		return 0;
	}
	if (reserve(w, m) < 0)
		return -ENOMEM;
	m = 0;
	for (size_t d = 0; d < D; d++) {
		int h = row[d];

		if (h < 0)
			continue;
		if (w->rank[h] < 0) {
			w->rank[h] = (int)nranks;
			w->ranked[nranks++] = h;
		}
		for (size_t i = g->pfx_first[d]; i < g->pfx_first[d + 1]; i++)
			w->keys[m++] = (uint64_t)w->rank[h] << GROUP_SHIFT |
				       (uint64_t)(32 - g->prefixes[i].len) << 32 |
				       g->prefixes[i].net;
	}
	sort_keys(w->keys, w->tmp, m);
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i + 1; j < m && w->keys[j] >> GROUP_SHIFT == w->keys[i] >> GROUP_SHIFT; j++)
			;
		merge_buddies(w, w->keys + i, j - i, &nout);
	}
	sort_keys(w->out, w->tmp, nout);
	for (size_t i = 0; i < nout; i++)
		routes[i] = (nsr_spf_route){ (uint32_t)(w->out[i] >> 32),
					     (int)(w->out[i] >> RANK_BITS & 63),
					     w->ranked[w->out[i] & RANK_MASK] };
	w->nroutes += nout;
	for (size_t i = 0; i < nranks; i++)
		w->rank[w->ranked[i]] = -1;
	return 0;
}

/* Every router's hop set for each destination: w->hs, w->s.  Destinations
 * a block at a time, so that each router's row is written a block at a
 * time; a router often has the same hop set as for the one before. */
static int hop_sets(work *w)
{
	const nsr_spf_graph *g = w->g;
	size_t N = (size_t)g->nrouters, D = (size_t)g->ndests;

	for (size_t d0 = 0; d0 < D; d0 += BLOCK) {
		size_t nb = D - d0 < BLOCK ? D - d0 : BLOCK;

		for (size_t b = 0; b < nb; b++)
			bfs(g, (int)(d0 + b), w->dist + b * N, w->queue);
		for (size_t r = 0; r < N; r++) {
			int last = -1;

			for (size_t b = 0; b < nb; b++) {
				const int *dist = w->dist + b * N;
				size_t k = 0;

				if (dist[r] <= 0) {	/* attached, or unreachable */
					w->hs[r * D + d0 + b] = -1;
					continue;
				}
				for (size_t e = g->adj_first[r]; e < g->adj_first[r + 1]; e++)
					if (dist[g->adj_to[e]] == dist[r] - 1)
						w->idx[k++] = (int)e;
				if (last < 0 || w->s.first[last + 1] - w->s.first[last] != k ||
				    memcmp(w->s.hops + w->s.first[last], w->idx, k * sizeof *w->idx))
					last = intern(&w->s, (int)r, w->idx, k);
				if (last < 0)
					return -ENOMEM;
				w->hs[r * D + d0 + b] = last;
			}
		}
	}
	return 0;
}

void nsr_spf_free(nsr_spf_result *r)
{
	free(r->route_first);
	free(r->routes);
	free(r->hop_first);
	free(r->hops);
	memset(r, 0, sizeof *r);
}

int nsr_spf_routes(const nsr_spf_graph *g, int aggregate, nsr_spf_result *out)
{
	work w = { .g = g };
	size_t N, D, maxdeg;
	int err = -ENOMEM;

	memset(out, 0, sizeof *out);
	if (check(g, &maxdeg) < 0)
		return -EINVAL;
	N = (size_t)g->nrouters;
	D = (size_t)g->ndests;
	if (D > RANK_MASK)	/* a router has at most D hop sets to rank */
		return -E2BIG;
	if (D && N > SIZE_MAX / sizeof *w.hs / D)
		return -ENOMEM;
	w.hs = malloc(N && D ? N * D * sizeof *w.hs : 1);
	w.dist = malloc((BLOCK * N + 1) * sizeof *w.dist);
	w.queue = malloc((N + 1) * sizeof *w.queue);
	w.idx = malloc((maxdeg + 1) * sizeof *w.idx);
	w.ranked = malloc((D + 1) * sizeof *w.ranked);
	w.s.first = calloc(1, sizeof *w.s.first);
	out->route_first = malloc((N + 1) * sizeof *out->route_first);
	if (!w.hs || !w.dist || !w.queue || !w.idx || !w.ranked || !w.s.first ||
	    !out->route_first)
		goto fail;
	w.s.cap = 1;
	if (hop_sets(&w) < 0)
		goto fail;
	w.rank = malloc(((size_t)w.s.n + 1) * sizeof *w.rank);
	if (!w.rank)
		goto fail;
	memset(w.rank, 0xff, ((size_t)w.s.n + 1) * sizeof *w.rank);
	for (size_t r = 0; r < N; r++) {
		out->route_first[r] = w.nroutes;
		if (router_routes(&w, aggregate, out, r) < 0)
			goto fail;
	}
	out->route_first[N] = w.nroutes;
	out->nrouters = (int)N;
	out->nhopsets = w.s.n;
	out->hop_first = w.s.first;
	out->hops = w.s.hops;
	w.s.first = NULL;
	w.s.hops = NULL;
	err = 0;
fail:
	if (err < 0)
		nsr_spf_free(out);
	free(w.s.first);
	free(w.s.router);
	free(w.s.hops);
	free(w.s.slot);
	free(w.hs);
	free(w.dist);
	free(w.queue);
	free(w.idx);
	free(w.rank);
	free(w.ranked);
	free(w.keys);
	free(w.out);
	free(w.tmp);
	free(w.cur);
	free(w.carry);
	return err;
}
