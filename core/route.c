#include <errno.h>
#include <linux/rtnetlink.h>
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
