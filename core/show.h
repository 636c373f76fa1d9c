/*
 * show.h -- what a namespace holds, read back from the kernel (links,
 * addresses, main-table routes): for `nsrun inspect`.
 */
#ifndef NSR_SHOW_H
#define NSR_SHOW_H

#include "netns.h"

typedef struct nsr_linkinfo {
	char name[NSR_IFNAMSIZ];
	char kind[16];		/* "veth", "bridge", ... ("" for loopback and the like) */
	char mac[18];
	char master[NSR_IFNAMSIZ];	/* its bridge, or "" */
	int index, up, lower_up, mtu;
} nsr_linkinfo;

typedef struct nsr_addrinfo {
	char ifname[NSR_IFNAMSIZ];
	char cidr[64];
	int family;		/* AF_INET, AF_INET6 */
	int link_local;
} nsr_addrinfo;

typedef struct nsr_nexthopinfo {
	char via[48];		/* "" when none */
	char dev[NSR_IFNAMSIZ];
	int weight;
	int dead;		/* RTNH_F_DEAD: its device is down, not used */
	int linkdown;		/* RTNH_F_LINKDOWN: no carrier, used unless
				 * ignore_routes_with_linkdown */
} nsr_nexthopinfo;

typedef struct nsr_routeinfo {
	char dst[64];		/* "default" or a prefix */
	char type[16];		/* "unicast", "blackhole", ... */
	int family, metric, nnh;
	int proto;		/* RTPROT_*: 2 kernel, 4 static (nsrun's), 186 bgp... */
	nsr_nexthopinfo *nh;	/* all of them, malloc'd */
} nsr_routeinfo;

typedef struct nsr_neighinfo {
	char ifname[NSR_IFNAMSIZ];
	char addr[48];
	char mac[24];		/* "" while unresolved */
	char state[32];		/* "reachable", "stale", "permanent", ... */
	int family;
} nsr_neighinfo;

/* Each fills a malloc'd array (free() it; routes: nsr_show_routes_free)
 * and its length. */
int nsr_show_links(nsr_ns *ns, nsr_linkinfo **out, int *n, nsr_error *e);
int nsr_show_addrs(nsr_ns *ns, nsr_addrinfo **out, int *n, nsr_error *e);
int nsr_show_routes(nsr_ns *ns, nsr_routeinfo **out, int *n, nsr_error *e);
int nsr_show_neighs(nsr_ns *ns, nsr_neighinfo **out, int *n, nsr_error *e);
void nsr_show_routes_free(nsr_routeinfo *a, int n);

#endif
