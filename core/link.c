#include <errno.h>
#include <linux/if.h>
#include <linux/ip.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "link.h"
#include "nl.h"

static int check_ifname(const char *what, const char *ifname, nsr_ns *ns,
			nsr_error *e)
{
	const char *why = nsr_ifname_invalid(ifname);

	if (why)
		return nsr_failmsg(e, -EINVAL, "%s \"%s\" in %s: name %s", what,
				   ifname, nsr_ns_label(ns), why);
	return 0;
}

/* One RTM_NEWLINK, built as iproute2's link_veth.c builds it: the peer's
 * ifinfomsg and attributes nested in VETH_INFO_PEER, with IFLA_NET_NS_FD
 * to make it in b.  Fixed ifindexes when both namespaces are ours (the
 * kernel takes the peer's ifindex only when the first end has one). */
static int veth_request(nsr_ns *a, const char *ifa, int ia, nsr_ns *b,
			const char *ifb, int ib, int up)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ia },
			 peer = { .ifi_family = AF_UNSPEC, .ifi_index = ib };
	struct rtattr *info, *data, *p;
	uint32_t one = 1;
	nsr_nl_batch req;
	int failed;

	req.len = 0;
	req.n = 0;
	/* The first end may be created up; the peer may not (ENOTCONN). */
	if (up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	nsr_nl_msg(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	nsr_nl_attr(&req, IFLA_IFNAME, ifa, strlen(ifa) + 1);
	/* One queue each way, as a veth uses anyway: given, the kernel
	 * allocates just that; left out, it allocates one per possible CPU
	 * and then trims them, waiting for an RCU grace period per end. */
	nsr_nl_attr(&req, IFLA_NUM_TX_QUEUES, &one, sizeof one);
	nsr_nl_attr(&req, IFLA_NUM_RX_QUEUES, &one, sizeof one);
	info = nsr_nl_attr(&req, IFLA_LINKINFO, NULL, 0);
	nsr_nl_attr(&req, IFLA_INFO_KIND, "veth", sizeof "veth");
	data = nsr_nl_attr(&req, IFLA_INFO_DATA, NULL, 0);
	p = nsr_nl_attr(&req, VETH_INFO_PEER, &peer, sizeof peer);
	nsr_nl_attr(&req, IFLA_IFNAME, ifb, strlen(ifb) + 1);
	if (b != a)
		nsr_nl_attr(&req, IFLA_NET_NS_FD, &b->fd, sizeof b->fd);
	nsr_nl_attr(&req, IFLA_NUM_TX_QUEUES, &one, sizeof one);
	nsr_nl_attr(&req, IFLA_NUM_RX_QUEUES, &one, sizeof one);
	p->rta_len = nsr_nl_since(&req, p);
	data->rta_len = nsr_nl_since(&req, data);
	info->rta_len = nsr_nl_since(&req, info);
	return nsr_nl_send(a, &req, &failed);
}

static int learn_index(nsr_ns *ns, const char *ifname, nsr_error *e)
{
	int index;

	if (!ns->fresh)
		return 0;
	if ((index = nsr_ifindex(ns, ifname, e)) < 0)
		return index;
	if (index >= ns->next_ifindex)
		ns->next_ifindex = index + 1;
	return 0;
}

int nsr_veth_add(nsr_ns *a, const char *ifa, nsr_ns *b, const char *ifb,
		 const nsr_link_change *ca, const nsr_link_change *cb,
		 nsr_error *e)
{
	nsr_link_change upa = NSR_LINK_NOCHANGE, upb = NSR_LINK_NOCHANGE;
	int ia = 0, ib = 0, err, a_later;

	if ((err = check_ifname("veth", ifa, a, e)) < 0 ||
	    (err = check_ifname("veth", ifb, b, e)) < 0)
		return err;
	if (a == b && !strcmp(ifa, ifb))
		return nsr_failmsg(e, -EINVAL, "veth %s in %s: both ends have one name",
				   ifa, nsr_ns_label(a));
	if (ca)
		upa = *ca;
	if (cb)
		upb = *cb;
	upa.up = upb.up = 1;
	/* The first end is made up, unless what it needs must be set while it
	 * is down; the peer cannot be made up (ENOTCONN): one more request. */
	a_later = upa.addr_gen_mode >= 0;
	if (a->fresh && b->fresh) {
		ia = a->next_ifindex;
		ib = a == b ? ia + 1 : b->next_ifindex;
		/* Never the peer's ifindex: the kernel's linkwatch takes an end
		 * whose iflink (its peer's index) is its own index for a
		 * device of its own, not a stacked one, and lets its carrier
		 * changes wait up to a second behind the last (see
		 * linkwatch_urgent_event): a pulled link seen by its routes a
		 * second late.  ib's index is left free. */
		if (ib == ia)
			ib++;
	}
	err = veth_request(a, ifa, ia, b, ifb, ib, !a_later);
	if ((err == -EBUSY || err == -EEXIST) && ia) {
		/* Someone made links in our namespace: let the kernel choose. */
		a->fresh = b->fresh = 0;
		ia = ib = 0;
		err = veth_request(a, ifa, 0, b, ifb, 0, !a_later);
	}
	if (err < 0)
		return nsr_fail(e, err, "veth %s in %s (peer %s in %s)", ifa,
				nsr_ns_label(a), ifb, nsr_ns_label(b));
	if (ia) {
		nsr_ifindex_remember(a, ifa, ia);
		nsr_ifindex_remember(b, ifb, ib);
		a->next_ifindex = ia + 1;
		b->next_ifindex = ib + 1;
	} else {
		/* The kernel chose: learn its choice where we choose later. */
		if ((err = learn_index(a, ifa, e)) < 0 ||
		    (err = learn_index(b, ifb, e)) < 0)
			return err;
	}
	if (!a_later)
		upa.up = -1;	/* made up already */
	if ((upa.up >= 0 || upa.forwarding >= 0 || upa.rp_filter >= 0 || upa.ignore_linkdown >= 0) &&
	    (err = nsr_link_set(a, ifa, &upa, e)) < 0)
		return err;
	return nsr_link_set(b, ifb, &upb, e);
}

int nsr_bridge_add(nsr_ns *ns, const char *name, nsr_error *e)
{
	nsr_dev d = NSR_DEV_DEFAULTS;

	d.kind = "bridge";
	return nsr_dev_add(ns, name, &d, e);
}

/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { [IPV4_DEVCONF_x] = v } },
 *                AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = m } } */
static void put_af_spec(nsr_nl_batch *req, const nsr_link_change *c)
{
	int v4 = c->forwarding >= 0 || c->rp_filter >= 0 || c->ignore_linkdown >= 0;
	struct rtattr *spec, *inet, *conf;

	if (!v4 && c->addr_gen_mode < 0)
		return;
	spec = nsr_nl_attr(req, IFLA_AF_SPEC, NULL, 0);
	if (v4) {
		inet = nsr_nl_attr(req, AF_INET, NULL, 0);
		conf = nsr_nl_attr(req, IFLA_INET_CONF, NULL, 0);
		if (c->forwarding >= 0)
			nsr_nl_attr(req, IPV4_DEVCONF_FORWARDING, &(uint32_t){ (uint32_t)c->forwarding }, 4);
		if (c->rp_filter >= 0)
			nsr_nl_attr(req, IPV4_DEVCONF_RP_FILTER, &(uint32_t){ (uint32_t)c->rp_filter }, 4);
		if (c->ignore_linkdown >= 0)
			nsr_nl_attr(req, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN,
				    &(uint32_t){ (uint32_t)c->ignore_linkdown }, 4);
		conf->rta_len = nsr_nl_since(req, conf);
		inet->rta_len = nsr_nl_since(req, inet);
	}
	if (c->addr_gen_mode >= 0) {
		struct rtattr *inet6 = nsr_nl_attr(req, AF_INET6, NULL, 0);

		nsr_nl_attr(req, IFLA_INET6_ADDR_GEN_MODE, &(uint8_t){ (uint8_t)c->addr_gen_mode }, 1);
		inet6->rta_len = nsr_nl_since(req, inet6);
	}
	spec->rta_len = nsr_nl_since(req, spec);
}

int nsr_link_set(nsr_ns *ns, const char *ifname, const nsr_link_change *c,
		 nsr_error *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	unsigned char mac[6];
	nsr_nl_batch req;
	int master = 0, failed, err;

	if (c->mac && nsr_mac_parse(c->mac, mac) < 0)
		return nsr_failmsg(e, -EINVAL, "link %s in %s: \"%s\" is not a MAC address",
				   ifname, nsr_ns_label(ns), c->mac);
	if (c->rename && (err = check_ifname("link", c->rename, ns, e)) < 0)
		return err;
	if ((ifi.ifi_index = nsr_ifindex(ns, ifname, e)) < 0)
		return ifi.ifi_index;
	if (c->master && c->master[0] &&
	    (master = nsr_ifindex(ns, c->master, e)) < 0)
		return master;
	if (c->up >= 0) {
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = c->up ? IFF_UP : 0;
	}
	req.len = 0;
	req.n = 0;
	nsr_nl_msg(&req, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	if (c->mtu)
		nsr_nl_attr(&req, IFLA_MTU, &(uint32_t){ (uint32_t)c->mtu }, 4);
	if (c->mac)
		nsr_nl_attr(&req, IFLA_ADDRESS, mac, 6);
	if (c->master)
		nsr_nl_attr(&req, IFLA_MASTER, &(uint32_t){ (uint32_t)master }, 4);
	if (c->rename)
		nsr_nl_attr(&req, IFLA_IFNAME, c->rename, strlen(c->rename) + 1);
	put_af_spec(&req, c);
	if ((err = nsr_nl_send(ns, &req, &failed)) < 0)
		return nsr_fail(e, err, "link %s in %s", ifname, nsr_ns_label(ns));
	if (c->rename) {
		nsr_ifindex_forget(ns, ifname);
		nsr_ifindex_remember(ns, c->rename, ifi.ifi_index);
	}
	return 0;
}

int nsr_link_set_up(nsr_ns *ns, const char *ifname, int up, nsr_error *e)
{
	nsr_link_change c = NSR_LINK_NOCHANGE;

	c.up = up;
	return nsr_link_set(ns, ifname, &c, e);
}

int nsr_link_del(nsr_ns *ns, const char *ifname, int missing_ok, nsr_error *e)
{
	struct rtnl_link *link;
	struct nl_msg *msg;
	int err;

	if ((err = check_ifname("link", ifname, ns, e)) < 0)
		return err;
	if (!(link = rtnl_link_alloc()))
		return nsr_fail(e, -ENOMEM, "delete link %s", ifname);
	rtnl_link_set_name(link, ifname);
	err = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	if (err < 0)
		return nsr_fail(e, -ENOMEM, "delete link %s", ifname);
	nsr_ifindex_forget(ns, ifname);
	err = nsr_nl_talk(ns, msg);
	if (err == -ENODEV && missing_ok)
		return 0;
	if (err < 0)
		return nsr_fail(e, err, "delete link %s in %s", ifname, nsr_ns_label(ns));
	return 0;
}
