/*
 * spf.h -- static routes by hop count over a graph of routers.
 *
 * Pure computation, no kernel access, no Lua.  Routers are numbered
 * 0..nrouters-1; each has a list of directed adjacency entries (a neighbour
 * and whatever the caller keeps beside it: an address, an interface),
 * numbered 0..nentries-1 router by router.  A destination is a set of owner
 * routers (attached to it) and IPv4 prefixes.  For each destination, a
 * breadth-first search from its owners over the entries gives each router
 * its distance; a router that is neither an owner nor unreachable routes the
 * destination's prefixes via its entries to neighbours one hop closer (all
 * of them: ECMP), in adjacency order.  That list of entries is a hop set,
 * kept once per distinct (router, entries).
 *
 * With aggregation, a router's prefixes with the same hop set are merged
 * where two halves (buddies) make the whole prefix, from the longest up;
 * nothing more is claimed, so no path changes.  Its routes are then sorted
 * by network, then length.  Without, they come destination by destination,
 * each destination's prefixes in the given order.
 *
 * Memory: one 32-bit hop set number per (router, destination) pair, the
 * hop sets, the routes, and scratch space of the size of one router's
 * routes.  Time: one BFS per destination, O(destinations * entries).
 */
#ifndef NSR_SPF_H
#define NSR_SPF_H

#include <stddef.h>
#include <stdint.h>

typedef struct nsr_spf_prefix {
	uint32_t net;		/* host byte order, taken as given */
	int len;		/* 0..32 */
} nsr_spf_prefix;

typedef struct nsr_spf_graph {
	int nrouters;
	const size_t *adj_first;	/* nrouters + 1: router r's entries are */
	const int *adj_to;		/* adj_to[adj_first[r] .. adj_first[r+1]-1] */
	int ndests;
	const size_t *own_first;	/* ndests + 1: destination d's owners are */
	const int *owners;		/* owners[own_first[d] .. own_first[d+1]-1] */
	const size_t *pfx_first;	/* ndests + 1, the same for its prefixes */
	const nsr_spf_prefix *prefixes;
} nsr_spf_graph;

typedef struct nsr_spf_route {
	uint32_t net;
	int len;
	int hopset;		/* index into the result's hop sets */
} nsr_spf_route;

typedef struct nsr_spf_result {
	int nrouters;
	size_t *route_first;	/* nrouters + 1: router r's routes are */
	nsr_spf_route *routes;	/* routes[route_first[r] .. route_first[r+1]-1] */
	int nhopsets;		/* numbered in order of first use */
	size_t *hop_first;	/* nhopsets + 1: hop set h's adjacency entries */
	int *hops;		/* are hops[hop_first[h] .. hop_first[h+1]-1] */
} nsr_spf_result;

/* Compute every router's routes into *out (free it with nsr_spf_free; after
 * a failure it is empty).  aggregate: merge buddy prefixes (see above).
 * Return 0, -EINVAL for a malformed graph (an index out of range, offsets
 * that do not start at 0 or go backwards, a length over 32), -E2BIG for
 * 2^26 destinations or more, -ENOMEM. */
int nsr_spf_routes(const nsr_spf_graph *g, int aggregate, nsr_spf_result *out);

void nsr_spf_free(nsr_spf_result *r);

#endif
