/*
 * addr.h -- IPv4 and IPv6 addresses on interfaces.
 */
#ifndef NSR_ADDR_H
#define NSR_ADDR_H

#include "netns.h"

/* Add "192.0.2.1/24" or "2001:db8::1/64" to ifname.  IPv4 prefixes up to /30
 * get the broadcast address (as ifconfig gives them); IPv6 addresses skip
 * duplicate address detection, so they are usable at once. */
int nsr_addr_add(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e);

typedef struct nsr_addr {
	const char *ifname;
	const char *cidr;
} nsr_addr;

/* Add a[0..n-1] in windows of requests (core/nl.h), as nsr_addr_add would
 * one by one.  An error names its address; the ones before it are in, and
 * of those after it, the ones sent in the same window may be too. */
int nsr_addrs_add(nsr_ns *ns, const nsr_addr *a, int n, nsr_error *e);

/* A permanent neighbour entry, `ip neigh replace ADDR lladdr MAC nud
 * permanent dev IFNAME`: ARP (IPv4) or NDP (IPv6) need not ask. */
int nsr_neigh_add(nsr_ns *ns, const char *ifname, const char *addr, const char *mac,
		  nsr_error *e);

/* Remove an address from ifname. */
int nsr_addr_del(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e);

#endif
