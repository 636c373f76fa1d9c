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
	unsigned int table;	/* routing table; 0: main (254) */
} nsr_route;

int nsr_route_add(nsr_ns *ns, const nsr_route *r, nsr_error *e);

/* Add r[0..n-1] in windows of requests (core/nl.h): a few syscalls for
 * many routes.  An error names its route; the routes before it are in,
 * and of those after it, the ones sent in the same window may be too. */
int nsr_routes_add(nsr_ns *ns, const nsr_route *r, int n, nsr_error *e);

/*
 * Routes from a route computation (spf.h), installed straight from its
 * result: router's routes, or their IPv6 twins when v6.  names: per
 * adjacency entry, the neighbour's address (via), its IPv6 twin (via6, or
 * NULL in an IPv4 lab) and the router's interface (dev); prefix6, the /96
 * of the twins (dual stack's rule, lua/nsrun/ipam.lua: the IPv4 address in
 * its last 32 bits, 96 + its length).  *widest: the most next hops of one
 * route.  In windows of requests, as nsr_routes_add.
 */
struct nsr_spf_result;

typedef struct nsr_spf_names {
	const char *const *via;
	const char *const *via6;
	const char *const *dev;
	unsigned char prefix6[16];
} nsr_spf_names;

int nsr_routes_add_spf(nsr_ns *ns, const struct nsr_spf_result *res, int router,
		       const nsr_spf_names *names, int v6, int *widest, nsr_error *e);

/* What the kernel would do with a packet to addr (`ip route get ADDR [from
 * SRC] [iif IF] [ipproto P]`): the packet's source, the interface it came
 * in on (NULL: made here) and its protocol decide, among others, which next
 * hop of a multipath route the kernel's hash picks. */
typedef struct nsr_route_query {
	const char *src;	/* the packet's source address, or NULL */
	const char *iif;	/* the interface it came in on, or NULL (local) */
	int proto;		/* IPPROTO_ICMP, ...; 0: none said */
	int fibmatch;		/* the matching route, all its next hops, rather
				 * than the one the packet takes (ip route get fibmatch) */
} nsr_route_query;

typedef struct nsr_route_info {
	int type;		/* RTN_UNICAST, RTN_LOCAL, RTN_UNREACHABLE, ... */
	char gateway[64];	/* "" when the destination is on-link */
	char dev[16];		/* the outgoing interface, "" for none */
	char prefsrc[64];	/* the source the kernel would give it, "" if none */
	int multipath;		/* how many next hops the answer has: 1 for the
				 * path a packet takes; with fibmatch, the route's */
} nsr_route_info;

int nsr_route_get(nsr_ns *ns, const char *addr, const nsr_route_query *q, nsr_route_info *out,
		  nsr_error *e);

/* A link's state: up (IFF_UP), lower_up (carrier), operstate ("up", "down",
 * "lowerlayerdown", ...). */
int nsr_link_state(nsr_ns *ns, const char *ifname, int *up, int *lower_up,
		   char *operstate, size_t size, nsr_error *e);

/* A policy routing rule (`ip rule add [from P] [to P] [iif IF] [oif IF]
 * [fwmark N] [priority N] table N`); NULL or 0 fields match anything. */
typedef struct nsr_rule {
	int family;		/* AF_INET or AF_INET6; 0: from from/to, else IPv4 */
	const char *from, *to;	/* prefixes */
	const char *iif, *oif;	/* interface names */
	unsigned int fwmark;
	unsigned int priority;	/* 0: the kernel picks (below the last) */
	unsigned int table;	/* required */
} nsr_rule;

int nsr_rule_add(nsr_ns *ns, const nsr_rule *r, nsr_error *e);

/* Delete the route to dst (any next hops) in table (0: main); family
 * AF_INET or AF_INET6, or 0: dst's ("default": both, where there is one). */
int nsr_route_del(nsr_ns *ns, const char *dst, int family, unsigned int table, nsr_error *e);

#endif
