/*
 * dev.h -- virtual devices of the kinds `ip link add NAME type KIND ...`
 * makes: bridge, dummy, vlan, vrf, bond, vxlan, macvlan.  One RTM_NEWLINK
 * each, built by hand as iproute2's ip/link_*.c build theirs, the device
 * made up (and enslaved, when a master is given) in the same request.
 * veth pairs are link.h's.
 */
#ifndef NSR_DEV_H
#define NSR_DEV_H

#include "netns.h"

/* What the device is; zero or NULL fields keep the kernel's defaults. */
typedef struct nsr_dev {
	const char *kind;	/* "bridge", "dummy", "vlan", ... */
	const char *link;	/* lower device: vlan, macvlan (required); vxlan */
	const char *master;	/* enslave to this bridge, bond or vrf */
	long long id;		/* vlan: 1..4094; vxlan: VNI 0..2^24-1; vrf: table */
	const char *protocol;	/* vlan: "802.1Q" (default) or "802.1ad" */
	const char *mode;	/* bond: balance-rr, active-backup, balance-xor,
				 * broadcast, 802.3ad, balance-tlb, balance-alb;
				 * macvlan: private, vepa, bridge, passthru */
	int miimon;		/* bond: link check every ms; -1 default */
	const char *xmit_hash_policy;	/* bond: layer2, layer3+4, layer2+3, ... */
	const char *lacp_rate;	/* bond: slow or fast */
	const char *remote;	/* vxlan: the other end (unicast) */
	const char *group;	/* vxlan: a multicast group */
	const char *local;	/* vxlan: the source address */
	int dstport;		/* vxlan: UDP port; 0 is 4789 (IANA's) */
	int learning;		/* vxlan: learn MACs from packets; -1 default */
	int stp;		/* bridge: spanning tree on (1) or off (0); -1 default */
	int vlan_filtering;	/* bridge: VLAN-aware (1); -1 default */
	int mtu;		/* 0: the kernel's */
	struct nsr_ns *via;	/* made from this namespace and moved into the
				 * node's, as `ip link add NAME netns NODE type
				 * vxlan ...` run here: a vxlan's UDP socket, its
				 * lower device and local address stay here */
} nsr_dev;

/* The kinds nsr_dev_add makes, each with the kernel module that makes its
 * devices and, for modules that make a device of their own in the initial
 * namespace when loaded with their defaults (bond0, dummy0), the module
 * parameter that keeps them from it; { NULL } ends the table. */
typedef struct nsr_devkind {
	const char *kind;
	const char *module;
	const char *quiet;
} nsr_devkind;

extern const nsr_devkind nsr_dev_kinds[];

#define NSR_DEV_DEFAULTS { .miimon = -1, .learning = -1, .stp = -1, .vlan_filtering = -1 }

/* Make device name of d->kind in ns, up.  Errors name the device, the
 * namespace and the option at fault. */
int nsr_dev_add(nsr_ns *ns, const char *name, const nsr_dev *d, nsr_error *e);

/* `bridge vlan add dev IFNAME vid VID [pvid] [untagged] [self]`, or del:
 * a VLAN on a port of a VLAN-aware bridge (self: on the bridge itself). */
int nsr_bridge_vlan(nsr_ns *ns, const char *ifname, int vid, int pvid,
		    int untagged, int self, int del, nsr_error *e);

#endif
