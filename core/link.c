#include <errno.h>
#include <linux/if.h>
#include <linux/ip.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <string.h>

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

/* One RTM_NEWLINK; with fixed ifindexes when both namespaces are ours
 * (the kernel takes the peer's ifindex only when the first end has one). */
static int veth_request(nsr_ns *a, const char *ifa, int ia, nsr_ns *b,
			const char *ifb, int ib, int up)
{
	struct rtnl_link *link, *peer;
	struct nl_msg *msg;
	int err;

	if (!(link = rtnl_link_veth_alloc()))
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);	/* a new reference */
	rtnl_link_set_name(link, ifa);
	rtnl_link_set_name(peer, ifb);
	if (ia)
		rtnl_link_set_ifindex(link, ia);
	if (ib)
		rtnl_link_set_ifindex(peer, ib);
	if (b != a)
		rtnl_link_set_ns_fd(peer, b->fd);
	/* The first end may be created up; the peer may not (ENOTCONN), and
	 * libnl sends its flags as absolute: leave them alone. */
	if (up)
		rtnl_link_set_flags(link, IFF_UP);
	/* One queue each way, as a veth uses anyway: given, the kernel
	 * allocates just that; left out, it allocates one per possible CPU
	 * and then trims them, waiting for an RCU grace period per end. */
	rtnl_link_set_num_tx_queues(link, 1);
	rtnl_link_set_num_rx_queues(link, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	rtnl_link_put(peer);
	err = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	rtnl_link_put(link);	/* frees the peer too */
	if (err < 0)
		return -ENOMEM;
	return nsr_nl_talk(a, msg);
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
	if ((upa.up >= 0 || upa.forwarding >= 0 || upa.rp_filter >= 0) &&
	    (err = nsr_link_set(a, ifa, &upa, e)) < 0)
		return err;
	return nsr_link_set(b, ifb, &upb, e);
}

int nsr_bridge_add(nsr_ns *ns, const char *name, nsr_error *e)
{
	struct rtnl_link *link;
	struct nl_msg *msg;
	int idx = ns->fresh ? ns->next_ifindex : 0, err;

	if ((err = check_ifname("bridge", name, ns, e)) < 0)
		return err;
	if (!(link = rtnl_link_alloc()))
		return nsr_fail(e, -ENOMEM, "bridge %s", name);
	rtnl_link_set_type(link, "bridge");
	rtnl_link_set_name(link, name);
	if (idx)
		rtnl_link_set_ifindex(link, idx);
	rtnl_link_set_flags(link, IFF_UP);
	err = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	rtnl_link_put(link);
	if (err < 0)
		return nsr_fail(e, -ENOMEM, "bridge %s", name);
	if ((err = nsr_nl_talk(ns, msg)) < 0)
		return nsr_fail(e, err, "bridge %s in %s", name, nsr_ns_label(ns));
	if (idx) {
		nsr_ifindex_remember(ns, name, idx);
		ns->next_ifindex = idx + 1;
	}
	return 0;
}

/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { [IPV4_DEVCONF_x] = v } },
 *                AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = m } } */
static int put_af_spec(struct nl_msg *msg, const nsr_link_change *c)
{
	struct nlattr *spec, *inet, *conf, *inet6;
	int v4 = c->forwarding >= 0 || c->rp_filter >= 0;

	if (!v4 && c->addr_gen_mode < 0)
		return 0;
	if (!(spec = nla_nest_start(msg, IFLA_AF_SPEC)))
		return -ENOMEM;
	if (v4) {
		if (!(inet = nla_nest_start(msg, AF_INET)) ||
		    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
		    (c->forwarding >= 0 &&
		     nla_put_u32(msg, IPV4_DEVCONF_FORWARDING, (uint32_t)c->forwarding) < 0) ||
		    (c->rp_filter >= 0 &&
		     nla_put_u32(msg, IPV4_DEVCONF_RP_FILTER, (uint32_t)c->rp_filter) < 0))
			return -ENOMEM;
		nla_nest_end(msg, conf);
		nla_nest_end(msg, inet);
	}
	if (c->addr_gen_mode >= 0) {
		if (!(inet6 = nla_nest_start(msg, AF_INET6)) ||
		    nla_put_u8(msg, IFLA_INET6_ADDR_GEN_MODE, (uint8_t)c->addr_gen_mode) < 0)
			return -ENOMEM;
		nla_nest_end(msg, inet6);
	}
	nla_nest_end(msg, spec);
	return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	return 0;
}

int nsr_link_set(nsr_ns *ns, const char *ifname, const nsr_link_change *c,
		 nsr_error *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	unsigned char mac[6];
	struct nl_msg *msg;
	int master = 0, err;

	if (c->mac && parse_mac(c->mac, mac) < 0)
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
	if (!(msg = nlmsg_alloc_simple(RTM_NEWLINK, 0)))
		return nsr_fail(e, -ENOMEM, "link %s", ifname);
	if (nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
	    (c->mtu && nla_put_u32(msg, IFLA_MTU, c->mtu) < 0) ||
	    (c->mac && nla_put(msg, IFLA_ADDRESS, 6, mac) < 0) ||
	    (c->master && nla_put_u32(msg, IFLA_MASTER, master) < 0) ||
	    (c->rename && nla_put_string(msg, IFLA_IFNAME, c->rename) < 0) ||
	    put_af_spec(msg, c) < 0) {
		nlmsg_free(msg);
		return nsr_fail(e, -ENOMEM, "link %s", ifname);
	}
	if ((err = nsr_nl_talk(ns, msg)) < 0)
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
