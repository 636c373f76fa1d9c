#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <string.h>
#include <netlink/addr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nl.h"
#include "route.h"

static struct nl_addr *to_nl(const nsr_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr,
					  p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

/* The family of a route: its destination's, or for "default" its first
 * gateway's. */
static int route_family(const nsr_route *r)
{
	nsr_prefix gw;
	const char *why;

	for (int i = 0; i < r->nnh; i++)
		if (r->nh[i].via && nsr_prefix_parse(r->nh[i].via, 0, &gw, &why) == 0)
			return gw.family;
	return AF_INET;
}

static int fill_nexthops(nsr_ns *ns, struct rtnl_route *rt, const nsr_route *r,
			 int family, nsr_error *e)
{
	for (int i = 0; i < r->nnh; i++) {
		const nsr_nexthop *h = &r->nh[i];
		struct rtnl_nexthop *nh;
		const char *why;
		nsr_prefix gw;

		if (!h->via && !h->dev)
			return nsr_failmsg(e, -EINVAL, "route %s in %s: a next hop needs via or dev",
					   r->dst, nsr_ns_label(ns));
		if (h->weight < 0 || h->weight > 256)
			return nsr_failmsg(e, -EINVAL, "route %s in %s: weight %d is not 1..256",
					   r->dst, nsr_ns_label(ns), h->weight);
		if (!(nh = rtnl_route_nh_alloc()))
			return nsr_fail(e, -ENOMEM, "route %s", r->dst);
		rtnl_route_add_nexthop(rt, nh);	/* rt owns nh from here */
		if (h->via) {
			struct nl_addr *a;

			if (nsr_prefix_parse(h->via, family, &gw, &why) < 0 ||
			    gw.has_len)
				return nsr_failmsg(e, -EINVAL, "route %s in %s: gateway \"%s\": %s",
						   r->dst, nsr_ns_label(ns), h->via,
						   gw.has_len ? "has a prefix length" : why);
			if (!(a = to_nl(&gw)))
				return nsr_fail(e, -ENOMEM, "route %s", r->dst);
			rtnl_route_nh_set_gateway(nh, a);
			nl_addr_put(a);
		}
		if (h->dev) {
			int index = nsr_ifindex(ns, h->dev, e);

			if (index < 0)
				return index;
			rtnl_route_nh_set_ifindex(nh, index);
		}
		if (h->weight > 0)
			rtnl_route_nh_set_weight(nh, h->weight - 1);	/* rtnh_hops */
	}
	return 0;
}

static int route_request(nsr_ns *ns, const nsr_route *r, int add, nsr_error *e)
{
	const char *what = add ? "route" : "delete route", *why;
	struct rtnl_route *rt;
	struct nl_addr *dst = NULL;
	struct nl_msg *msg;
	nsr_prefix p;
	char net[64];
	int err, family = route_family(r);

	if (nsr_prefix_parse(r->dst, r->dst[0] == 'd' ? family : 0, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "%s \"%s\" in %s: %s", what, r->dst,
				   nsr_ns_label(ns), why);
	if (!nsr_prefix_is_network(&p)) {
		nsr_prefix q = p;

		nsr_prefix_mask(&q);
		return nsr_failmsg(e, -EINVAL, "%s %s in %s: host bits set (the network is %s)",
				   what, r->dst, nsr_ns_label(ns),
				   nsr_prefix_format(&q, net, sizeof net));
	}
	if (!(rt = rtnl_route_alloc()) || !(dst = to_nl(&p))) {
		err = nsr_fail(e, -ENOMEM, "%s %s", what, r->dst);
		goto out;
	}
	rtnl_route_set_family(rt, p.family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	if (add) {
		rtnl_route_set_type(rt, RTN_UNICAST);
		rtnl_route_set_protocol(rt, RTPROT_STATIC);
		if (r->metric > 0)
			rtnl_route_set_priority(rt, r->metric);
		if (r->nnh == 0) {
			err = nsr_failmsg(e, -EINVAL, "route %s in %s: no next hop",
					  r->dst, nsr_ns_label(ns));
			goto out;
		}
		if ((err = fill_nexthops(ns, rt, r, p.family, e)) < 0)
			goto out;
		err = rtnl_route_build_add_request(rt, NLM_F_CREATE |
				(r->replace ? NLM_F_REPLACE : NLM_F_EXCL), &msg);
	} else {
		rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
		err = rtnl_route_build_del_request(rt, 0, &msg);
	}
	if (err < 0) {
		err = nsr_fail(e, -ENOMEM, "%s %s", what, r->dst);
		goto out;
	}
	if ((err = nsr_nl_talk(ns, msg)) < 0)
		nsr_fail(e, err, "%s %s in %s", what, r->dst, nsr_ns_label(ns));
out:
	nl_addr_put(dst);
	if (rt)
		rtnl_route_put(rt);
	return err;
}

int nsr_route_add(nsr_ns *ns, const nsr_route *r, nsr_error *e)
{
	return route_request(ns, r, 1, e);
}

int nsr_route_del(nsr_ns *ns, const char *dst, nsr_error *e)
{
	nsr_route r = { .dst = dst };

	return route_request(ns, &r, 0, e);
}

struct got_route {
	struct rtnl_route *route;
};

static int keep_route(struct nl_msg *msg, void *arg)
{
	struct got_route *g = arg;

	if (!g->route)
		rtnl_route_parse(nlmsg_hdr(msg), &g->route);
	return NL_OK;
}

int nsr_route_get(nsr_ns *ns, const char *addr, nsr_route_info *out, nsr_error *e)
{
	struct rtmsg rtm = { 0 };
	struct got_route g = { NULL };
	struct rtnl_nexthop *nh;
	struct nl_msg *msg;
	struct nl_cb *cb;
	const char *why;
	nsr_prefix p;
	int err;

	memset(out, 0, sizeof *out);
	if (nsr_prefix_parse(addr, 0, &p, &why) < 0 || p.has_len)
		return nsr_failmsg(e, -EINVAL, "route get \"%s\": not an address", addr);
	rtm.rtm_family = p.family;
	rtm.rtm_dst_len = p.len;
	if (!(msg = nlmsg_alloc_simple(RTM_GETROUTE, 0)) ||
	    nlmsg_append(msg, &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, p.family == AF_INET ? 4 : 16, p.addr) < 0) {
		nlmsg_free(msg);
		return nsr_fail(e, -ENOMEM, "route get %s", addr);
	}
	ns->nlerr = 0;
	err = nl_send_auto(ns->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return nsr_fail(e, -EIO, "route get %s in %s", addr, nsr_ns_label(ns));
	{
		struct nl_cb *own = nl_socket_get_cb(ns->sk);	/* a new reference */

		cb = nl_cb_clone(own);
		nl_cb_put(own);
	}
	if (!cb)
		return nsr_fail(e, -ENOMEM, "route get %s", addr);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, keep_route, &g);
	nl_recvmsgs(ns->sk, cb);
	nl_cb_put(cb);
	if (!ns->nlerr)
		nl_wait_for_ack(ns->sk);	/* the ACK that follows the reply */
	if (ns->nlerr || !g.route) {
		if (g.route)
			rtnl_route_put(g.route);
		return nsr_fail(e, ns->nlerr ? ns->nlerr : -EIO, "route get %s in %s", addr,
				nsr_ns_label(ns));
	}
	out->type = rtnl_route_get_type(g.route);
	out->multipath = rtnl_route_get_nnexthops(g.route);
	if ((nh = rtnl_route_nexthop_n(g.route, 0))) {
		struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);
		int index = rtnl_route_nh_get_ifindex(nh);

		if (gw)
			nl_addr2str(gw, out->gateway, sizeof out->gateway);
		if (index > 0) {
			struct rtnl_link *link;

			if (rtnl_link_get_kernel(ns->sk, index, NULL, &link) == 0 && link) {
				snprintf(out->dev, sizeof out->dev, "%s", rtnl_link_get_name(link));
				rtnl_link_put(link);
			}
		}
	}
	rtnl_route_put(g.route);
	return 0;
}

int nsr_link_state(nsr_ns *ns, const char *ifname, int *up, int *lower_up,
		   char *operstate, size_t size, nsr_error *e)
{
	struct rtnl_link *link;
	int err;

	ns->nlerr = 0;
	if ((err = rtnl_link_get_kernel(ns->sk, 0, ifname, &link)) < 0 || !link)
		return nsr_fail(e, ns->nlerr ? ns->nlerr : -ENODEV, "link %s in %s", ifname,
				nsr_ns_label(ns));
	*up = !!(rtnl_link_get_flags(link) & IFF_UP);
	*lower_up = !!(rtnl_link_get_flags(link) & IFF_LOWER_UP);
	rtnl_link_operstate2str(rtnl_link_get_operstate(link), operstate, size);
	rtnl_link_put(link);
	return 0;
}
