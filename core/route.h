/*
 * route.h -- static routes: default, via a gateway, via a device, ECMP.
 */
#ifndef NSR_ROUTE_H
#define NSR_ROUTE_H

#include "netns.h"

typedef struct nsr_nexthop {
	const char *via;	/* gateway address, or NULL */
	const char *dev;	/* interface name, or NULL */
	int weight;		/* 1..256; 0 means 1 */
} nsr_nexthop;

typedef struct nsr_route {
	const char *dst;	/* "198.51.100.0/24", "2001:db8::/32", "default" */
	const nsr_nexthop *nh;	/* one next hop, or several for ECMP */
	int nnh;
	int metric;		/* 0: the kernel's default */
	int replace;		/* replace a route to the same dst */
} nsr_route;

int nsr_route_add(nsr_ns *ns, const nsr_route *r, nsr_error *e);

/* Delete the route to dst (any next hops). */
int nsr_route_del(nsr_ns *ns, const char *dst, nsr_error *e);

#endif
