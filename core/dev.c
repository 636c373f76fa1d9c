#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dev.h"
#include "link.h"
#include "nl.h"

/* A name -> value table, as iproute2 keeps them (bond modes, ...). */
typedef struct {
	const char *name;
	int value;
} named;

static const named bond_modes[] = {
	{ "balance-rr", 0 }, { "active-backup", 1 }, { "balance-xor", 2 },
	{ "broadcast", 3 }, { "802.3ad", 4 }, { "balance-tlb", 5 },
	{ "balance-alb", 6 }, { NULL, 0 }
};
static const named bond_hashes[] = {
	{ "layer2", 0 }, { "layer3+4", 1 }, { "layer2+3", 2 }, { "encap2+3", 3 },
	{ "encap3+4", 4 }, { "vlan+srcmac", 5 }, { NULL, 0 }
};
static const named lacp_rates[] = { { "slow", 0 }, { "fast", 1 }, { NULL, 0 } };
static const named macvlan_modes[] = {
	{ "private", MACVLAN_MODE_PRIVATE }, { "vepa", MACVLAN_MODE_VEPA },
	{ "bridge", MACVLAN_MODE_BRIDGE }, { "passthru", MACVLAN_MODE_PASSTHRU },
	{ NULL, 0 }
};
const nsr_devkind nsr_dev_kinds[] = {
	{ "bridge", "bridge", NULL },
	{ "dummy", "dummy", "numdummies=0" },
	{ "vlan", "8021q", NULL },
	{ "vrf", "vrf", NULL },
	{ "bond", "bonding", "max_bonds=0" },
	{ "vxlan", "vxlan", NULL },
	{ "macvlan", "macvlan", NULL },
	{ NULL, NULL, NULL }
};

static const nsr_devkind *kind_of(const char *kind)
{
	for (const nsr_devkind *k = nsr_dev_kinds; k->kind; k++)
		if (!strcmp(k->kind, kind))
			return k;
	return NULL;
}

/* s's value in t, or an error that lists the names */
static int lookup(const named *t, const char *s, const char *what,
		  const char *name, nsr_ns *ns, nsr_error *e)
{
	char list[160] = "";
	size_t len = 0;

	for (const named *p = t; p->name; p++)
		if (!strcmp(p->name, s))
			return p->value;
	for (const named *p = t; p->name && len < sizeof list; p++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", p->name,
					p[1].name ? ", " : "");
	return nsr_failmsg(e, -EINVAL, "%s in %s: %s \"%s\" is not one of %s",
			   name, nsr_ns_label(ns), what, s, list);
}

/* An IPv4 or IPv6 address as a vxlan attribute (v4 or v6 type). */
static int put_ip(nsr_nl_batch *req, int t4, int t6, const char *s,
		  const char *what, const char *name, nsr_ns *ns, nsr_error *e)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		nsr_nl_attr(req, t4, a, 4);
	else if (inet_pton(AF_INET6, s, a) == 1)
		nsr_nl_attr(req, t6, a, 16);
	else
		return nsr_failmsg(e, -EINVAL, "%s in %s: %s \"%s\" is not an address",
				   name, nsr_ns_label(ns), what, s);
	return 0;
}

/* IFLA_INFO_DATA of d, by kind */
static int put_data(nsr_nl_batch *req, const nsr_dev *d, const char *name,
		    nsr_ns *ns, int lower, nsr_error *e)
{
	const char *k = d->kind;
	int v;

	if (!strcmp(k, "bridge")) {
		if (d->stp >= 0)
			nsr_nl_attr(req, IFLA_BR_STP_STATE, &(uint32_t){ (uint32_t)d->stp }, 4);
		if (d->vlan_filtering >= 0)
			nsr_nl_attr(req, IFLA_BR_VLAN_FILTERING, &(uint8_t){ (uint8_t)d->vlan_filtering }, 1);
	} else if (!strcmp(k, "vlan")) {
		uint16_t proto = htons(ETH_P_8021Q);

		if (d->id < 1 || d->id > 4094)
			return nsr_failmsg(e, -EINVAL, "%s in %s: id %lld is not 1..4094",
					   name, nsr_ns_label(ns), d->id);
		if (d->protocol && !strcasecmp(d->protocol, "802.1ad"))
			proto = htons(ETH_P_8021AD);
		else if (d->protocol && strcasecmp(d->protocol, "802.1q"))
			return nsr_failmsg(e, -EINVAL, "%s in %s: protocol \"%s\" is not 802.1Q or 802.1ad",
					   name, nsr_ns_label(ns), d->protocol);
		nsr_nl_attr(req, IFLA_VLAN_ID, &(uint16_t){ (uint16_t)d->id }, 2);
		nsr_nl_attr(req, IFLA_VLAN_PROTOCOL, &proto, 2);
	} else if (!strcmp(k, "vrf")) {
		if (d->id < 1 || d->id > 0xffffffffLL || d->id == 253 || d->id == 254 || d->id == 255)
			return nsr_failmsg(e, -EINVAL, "%s in %s: table %lld is not 1..2^32-1 "
					   "(nor 253-255: default, main, local)", name, nsr_ns_label(ns), d->id);
		nsr_nl_attr(req, IFLA_VRF_TABLE, &(uint32_t){ (uint32_t)d->id }, 4);
	} else if (!strcmp(k, "bond")) {
		if (d->mode) {
			if ((v = lookup(bond_modes, d->mode, "mode", name, ns, e)) < 0)
				return v;
			nsr_nl_attr(req, IFLA_BOND_MODE, &(uint8_t){ (uint8_t)v }, 1);
		}
		if (d->miimon >= 0)
			nsr_nl_attr(req, IFLA_BOND_MIIMON, &(uint32_t){ (uint32_t)d->miimon }, 4);
		if (d->xmit_hash_policy) {
			if ((v = lookup(bond_hashes, d->xmit_hash_policy, "xmit_hash_policy", name, ns, e)) < 0)
				return v;
			nsr_nl_attr(req, IFLA_BOND_XMIT_HASH_POLICY, &(uint8_t){ (uint8_t)v }, 1);
		}
		if (d->lacp_rate) {
			if ((v = lookup(lacp_rates, d->lacp_rate, "lacp_rate", name, ns, e)) < 0)
				return v;
			nsr_nl_attr(req, IFLA_BOND_AD_LACP_RATE, &(uint8_t){ (uint8_t)v }, 1);
		}
	} else if (!strcmp(k, "vxlan")) {
		if (d->id < 0 || d->id > 0xffffff)
			return nsr_failmsg(e, -EINVAL, "%s in %s: id (VNI) %lld is not 0..16777215",
					   name, nsr_ns_label(ns), d->id);
		if (d->remote && d->group)
			return nsr_failmsg(e, -EINVAL, "%s in %s: remote or group, not both",
					   name, nsr_ns_label(ns));
		nsr_nl_attr(req, IFLA_VXLAN_ID, &(uint32_t){ (uint32_t)d->id }, 4);
		if (d->remote && (v = put_ip(req, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, d->remote,
					     "remote", name, ns, e)) < 0)
			return v;
		if (d->group && (v = put_ip(req, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, d->group,
					    "group", name, ns, e)) < 0)
			return v;
		if (d->local && (v = put_ip(req, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, d->local,
					    "local", name, ns, e)) < 0)
			return v;
		if (lower)
			nsr_nl_attr(req, IFLA_VXLAN_LINK, &(uint32_t){ (uint32_t)lower }, 4);
		nsr_nl_attr(req, IFLA_VXLAN_PORT, &(uint16_t){ htons((uint16_t)(d->dstport ? d->dstport : 4789)) }, 2);
		if (d->learning >= 0)
			nsr_nl_attr(req, IFLA_VXLAN_LEARNING, &(uint8_t){ (uint8_t)d->learning }, 1);
	} else if (!strcmp(k, "macvlan") && d->mode) {
		if ((v = lookup(macvlan_modes, d->mode, "mode", name, ns, e)) < 0)
			return v;
		nsr_nl_attr(req, IFLA_MACVLAN_MODE, &(uint32_t){ (uint32_t)v }, 4);
	}
	return 0;
}

int nsr_dev_add(nsr_ns *ns, const char *name, const nsr_dev *d, nsr_error *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct rtattr *info, *data;
	const char *why = nsr_ifname_invalid(name);
	int lower = 0, master = 0, failed, err;
	char what[48];	/* "vlan eth0.10": errors name the device so */
	char tmp[IFNAMSIZ];
	const char *made = name;
	nsr_nl_batch req;

	if (why)
		return nsr_failmsg(e, -EINVAL, "%s \"%s\" in %s: name %s", d->kind, name,
				   nsr_ns_label(ns), why);
	if (!kind_of(d->kind)) {
		char list[128];
		size_t len = 0;

		list[0] = 0;
		for (const nsr_devkind *k = nsr_dev_kinds; k->kind; k++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k->kind,
						k[1].kind ? ", " : "");
		return nsr_failmsg(e, -EINVAL, "%s in %s: type \"%s\" is not one of %s",
				   name, nsr_ns_label(ns), d->kind, list);
	}
	if (!d->link && (!strcmp(d->kind, "vlan") || !strcmp(d->kind, "macvlan")))
		return nsr_failmsg(e, -EINVAL, "%s %s in %s: needs a lower device (link = ...)",
				   d->kind, name, nsr_ns_label(ns));
	if (d->link && (lower = nsr_ifindex(d->via ? d->via : ns, d->link, e)) < 0)
		return nsr_fail(e, lower, "%s %s in %s: link %s", d->kind, name,
				nsr_ns_label(d->via ? d->via : ns), d->link);
	if (d->master && (master = nsr_ifindex(ns, d->master, e)) < 0)
		return nsr_fail(e, master, "%s %s in %s: master %s", d->kind, name,
				nsr_ns_label(ns), d->master);
	/* A bond takes only ports that are down, and the kernel brings a new
	 * device up before it joins its master: with a master, up after. */
	if (master)
		ifi.ifi_flags = 0;
	/* Made from another namespace: under a name of its own, down, then
	 * renamed and brought up in ns.  Kernels before 6.x look the new
	 * name up in the namespace the request comes from (the host's,
	 * where eth0 is taken) and say EEXIST; a device that is up cannot
	 * be renamed. */
	if (d->via) {
		static unsigned seq;

		snprintf(tmp, sizeof tmp, "nsr%x.%x", (unsigned)getpid() & 0xfffff, ++seq & 0xfff);
		made = tmp;
		ifi.ifi_flags = 0;
	}
	if (ns->fresh)
		ifi.ifi_index = ns->next_ifindex;
	req.len = 0;
	req.n = 0;
	nsr_nl_msg(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	nsr_nl_attr(&req, IFLA_IFNAME, made, strlen(made) + 1);
	if (d->via)
		nsr_nl_attr(&req, IFLA_NET_NS_FD, &ns->fd, sizeof ns->fd);
	if (lower && strcmp(d->kind, "vxlan"))
		nsr_nl_attr(&req, IFLA_LINK, &(uint32_t){ (uint32_t)lower }, 4);
	if (master)
		nsr_nl_attr(&req, IFLA_MASTER, &(uint32_t){ (uint32_t)master }, 4);
	if (d->mtu)
		nsr_nl_attr(&req, IFLA_MTU, &(uint32_t){ (uint32_t)d->mtu }, 4);
	info = nsr_nl_attr(&req, IFLA_LINKINFO, NULL, 0);
	nsr_nl_attr(&req, IFLA_INFO_KIND, d->kind, strlen(d->kind) + 1);
	data = nsr_nl_attr(&req, IFLA_INFO_DATA, NULL, 0);
	snprintf(what, sizeof what, "%s %s", d->kind, name);
	if ((err = put_data(&req, d, what, ns, lower, e)) < 0)
		return err;
	data->rta_len = nsr_nl_since(&req, data);
	info->rta_len = nsr_nl_since(&req, info);
	err = nsr_nl_send(d->via ? d->via : ns, &req, &failed);
	if ((err == -EBUSY || err == -EEXIST) && ifi.ifi_index) {
		/* Someone made links in our namespace: let the kernel choose. */
		ns->fresh = 0;
		return nsr_dev_add(ns, name, d, e);
	}
	if (err == -EOPNOTSUPP && !strcmp(d->kind, "bridge") && d->vlan_filtering == 1)
		return nsr_failmsg(e, err, "bridge %s in %s: this kernel's bridges cannot "
				   "filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING)", name, nsr_ns_label(ns));
	if (err == -EOPNOTSUPP)	/* no such kind: its module is not there */
		return nsr_failmsg(e, err, "%s %s in %s: this kernel has no %s devices (module %s)",
				   d->kind, name, nsr_ns_label(ns), d->kind, kind_of(d->kind)->module);
	if (err < 0)
		return nsr_fail(e, err, "%s %s in %s", d->kind, name, nsr_ns_label(ns));
	if (ifi.ifi_index) {
		nsr_ifindex_remember(ns, made, ifi.ifi_index);
		ns->next_ifindex = ifi.ifi_index + 1;
	}
	if (d->via) {
		nsr_link_change c = NSR_LINK_NOCHANGE;

		c.rename = name;
		c.up = 1;
		if ((err = nsr_link_set(ns, made, &c, e)) < 0)
			return err;
		return 0;
	}
	return master ? nsr_link_set_up(ns, name, 1, e) : 0;
}

int nsr_bridge_vlan(nsr_ns *ns, const char *ifname, int vid, int pvid,
		    int untagged, int self, int del, nsr_error *e)
{
	struct ifinfomsg ifi = { .ifi_family = PF_BRIDGE };
	struct bridge_vlan_info info = { .vid = (uint16_t)vid };
	struct rtattr *spec;
	nsr_nl_batch req;
	int failed, err;

	if (vid < 1 || vid > 4094)
		return nsr_failmsg(e, -EINVAL, "vlan %d on %s in %s: not 1..4094", vid,
				   ifname, nsr_ns_label(ns));
	if ((ifi.ifi_index = nsr_ifindex(ns, ifname, e)) < 0)
		return ifi.ifi_index;
	if (pvid)
		info.flags |= BRIDGE_VLAN_INFO_PVID;
	if (untagged)
		info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
	req.len = 0;
	req.n = 0;
	nsr_nl_msg(&req, del ? RTM_DELLINK : RTM_SETLINK, 0, &ifi, sizeof ifi);
	spec = nsr_nl_attr(&req, IFLA_AF_SPEC, NULL, 0);
	if (self)
		nsr_nl_attr(&req, IFLA_BRIDGE_FLAGS, &(uint16_t){ BRIDGE_FLAGS_SELF }, 2);
	nsr_nl_attr(&req, IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
	spec->rta_len = nsr_nl_since(&req, spec);
	if ((err = nsr_nl_send(ns, &req, &failed)) == -EOPNOTSUPP)
		return nsr_failmsg(e, err, "vlan %d on %s in %s: not a bridge port, or this kernel's "
				   "bridges cannot filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING)", vid,
				   ifname, nsr_ns_label(ns));
	if (err < 0)
		return nsr_fail(e, err, "%s vlan %d on %s in %s", del ? "delete" : "add", vid,
				ifname, nsr_ns_label(ns));
	return 0;
}
