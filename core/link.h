/*
 * link.h -- veth pairs, bridges, and link settings.
 *
 * A veth pair is made by one RTM_NEWLINK sent in the first end's namespace,
 * with the peer's namespace fd nested in it: each end is created where it
 * lives, never created and then moved (moving costs ~20x; DESIGN.md).
 */
#ifndef NSR_LINK_H
#define NSR_LINK_H

#include "netns.h"

struct nsr_link_change;

/* veth ifa in a <-> ifb in b, both ends up.  a and b may be the same.
 * ca and cb (or NULL) are settings for each end, made with its link-up
 * request (an IPv6 address generation mode while the end is still down). */
int nsr_veth_add(nsr_ns *a, const char *ifa, nsr_ns *b, const char *ifb,
		 const struct nsr_link_change *ca, const struct nsr_link_change *cb,
		 nsr_error *e);

/* A Linux bridge, up. */
int nsr_bridge_add(nsr_ns *ns, const char *name, nsr_error *e);

typedef struct nsr_link_change {
	int up;			/* 1 up, 0 down, -1 unchanged */
	int mtu;		/* 0: unchanged */
	const char *mac;	/* "aa:bb:cc:dd:ee:ff", NULL: unchanged */
	const char *master;	/* bridge name, "" for none, NULL: unchanged */
	const char *rename;	/* new name, NULL: unchanged */
	int forwarding;		/* IPv4 forwarding of this device: 1, 0, -1 unchanged */
	int rp_filter;		/* its reverse-path filter: 0, 1, 2, -1 unchanged */
	int ignore_linkdown;	/* ignore_routes_with_linkdown: a next hop through
				 * it is skipped while it has no carrier; -1 unchanged */
	int addr_gen_mode;	/* IPv6 link-local address: IN6_ADDR_GEN_MODE_NONE
				 * (1) for none, -1 unchanged; only while down */
} nsr_link_change;

/* forwarding and rp_filter go in IFLA_AF_SPEC (devconf, like
 * net.ipv4.conf.IF.*), in the request that changes the link: no sysctl
 * write, which enters the namespace and opens a file.  IPv4 forwards by the
 * ingress device's flag. */
#define NSR_LINK_NOCHANGE { .up = -1, .forwarding = -1, .rp_filter = -1, .ignore_linkdown = -1, \
			    .addr_gen_mode = -1 }

int nsr_link_set(nsr_ns *ns, const char *ifname, const nsr_link_change *c,
		 nsr_error *e);
int nsr_link_set_up(nsr_ns *ns, const char *ifname, int up, nsr_error *e);

/* Delete a link (a veth takes its peer with it).  A link that is already
 * gone is not an error when missing_ok. */
int nsr_link_del(nsr_ns *ns, const char *ifname, int missing_ok, nsr_error *e);

#endif
