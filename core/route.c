#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
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
#include "spf.h"

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

/* The most bytes r's request can take in a window. */
static size_t route_size(const nsr_route *r)
{
	return NLMSG_SPACE(sizeof(struct rtmsg)) + 3 * RTA_SPACE(16) + 2 * RTA_SPACE(4) +
	       (size_t)r->nnh * (RTNH_ALIGN(sizeof(struct rtnexthop)) + RTA_SPACE(16));
}

/* Check r, then append its RTM_NEWROUTE to the window: the rtmsg, RTA_DST,
 * RTA_PRIORITY, then RTA_GATEWAY and RTA_OIF, or RTA_MULTIPATH of
 * rtnexthops -- the message ip and libnl's route objects make. */
static int route_put(nsr_nl_batch *b, nsr_ns *ns, const nsr_route *r, nsr_error *e)
{
	struct rtmsg rtm = { .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_STATIC,
			     .rtm_type = RTN_UNICAST, .rtm_scope = RT_SCOPE_LINK };
	int family = route_family(r), index[256], bytes;
	nsr_prefix p, gw[256];
	struct rtattr *mp;
	const char *why;
	char net[64];

	if (nsr_prefix_parse(r->dst, r->dst[0] == 'd' ? family : 0, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "route \"%s\" in %s: %s", r->dst,
				   nsr_ns_label(ns), why);
	if (!nsr_prefix_is_network(&p)) {
		nsr_prefix q = p;

		nsr_prefix_mask(&q);
		return nsr_failmsg(e, -EINVAL, "route %s in %s: host bits set (the network is %s)",
				   r->dst, nsr_ns_label(ns), nsr_prefix_format(&q, net, sizeof net));
	}
	if (r->nnh < 1 || r->nnh > 256)
		return nsr_failmsg(e, -EINVAL, "route %s in %s: %s", r->dst, nsr_ns_label(ns),
				   r->nnh < 1 ? "no next hop" : "more than 256 next hops");
	for (int i = 0; i < r->nnh; i++) {
		const nsr_nexthop *h = &r->nh[i];

		if (!h->via && !h->dev)
			return nsr_failmsg(e, -EINVAL, "route %s in %s: a next hop needs via or dev",
					   r->dst, nsr_ns_label(ns));
		if (h->weight < 0 || h->weight > 256)
			return nsr_failmsg(e, -EINVAL, "route %s in %s: weight %d is not 1..256",
					   r->dst, nsr_ns_label(ns), h->weight);
		if (h->via) {
			rtm.rtm_scope = RT_SCOPE_UNIVERSE;	/* as ip and libnl choose */
			if (nsr_prefix_parse(h->via, p.family, &gw[i], &why) < 0 || gw[i].has_len)
				return nsr_failmsg(e, -EINVAL, "route %s in %s: gateway \"%s\": %s",
						   r->dst, nsr_ns_label(ns), h->via,
						   gw[i].has_len ? "has a prefix length" : why);
		}
		index[i] = 0;
		if (h->dev && (index[i] = nsr_ifindex(ns, h->dev, e)) < 0)
			return index[i];
	}
	rtm.rtm_family = (unsigned char)p.family;
	rtm.rtm_dst_len = (unsigned char)p.len;
	/* as ip does: a table past 255 only in RTA_TABLE */
	if (r->table)
		rtm.rtm_table = r->table < 256 ? (unsigned char)r->table : RT_TABLE_UNSPEC;
	bytes = p.family == AF_INET ? 4 : 16;
	nsr_nl_msg(b, RTM_NEWROUTE, NLM_F_CREATE | (r->replace ? NLM_F_REPLACE : NLM_F_EXCL),
		   &rtm, sizeof rtm);
	if (p.len > 0)
		nsr_nl_attr(b, RTA_DST, p.addr, bytes);
	if (r->metric > 0)
		nsr_nl_attr(b, RTA_PRIORITY, &(uint32_t){ (uint32_t)r->metric }, 4);
	if (r->table)
		nsr_nl_attr(b, RTA_TABLE, &(uint32_t){ r->table }, 4);
	if (r->nnh == 1) {
		if (r->nh[0].via)
			nsr_nl_attr(b, RTA_GATEWAY, gw[0].addr, bytes);
		if (index[0])
			nsr_nl_attr(b, RTA_OIF, &index[0], 4);
		return 0;
	}
	mp = nsr_nl_attr(b, RTA_MULTIPATH, NULL, 0);
	for (int i = 0; i < r->nnh; i++) {
		struct rtnexthop *nh = nsr_nl_put(b, sizeof *nh);

		nh->rtnh_hops = (unsigned char)(r->nh[i].weight > 0 ? r->nh[i].weight - 1 : 0);
		nh->rtnh_ifindex = index[i];
		if (r->nh[i].via)
			nsr_nl_attr(b, RTA_GATEWAY, gw[i].addr, bytes);
		nh->rtnh_len = nsr_nl_since(b, nh);
	}
	mp->rta_len = nsr_nl_since(b, mp);
	return 0;
}

/* The routes as a list of requests (nl.h). */
typedef struct route_list {
	nsr_nl_list l;
	nsr_ns *ns;
	const nsr_route *r;
} route_list;

static size_t route_item_size(const nsr_nl_list *l, int i)
{
	return route_size(&((const route_list *)l)->r[i]);
}

static int route_item(const nsr_nl_list *l, nsr_nl_batch *b, int i, nsr_error *e)
{
	const route_list *x = (const route_list *)l;

	return route_put(b, x->ns, &x->r[i], e);
}

/* A route the kernel refused: named, and for "Network is unreachable" with
 * a gateway, why -- the gateway is on no subnet of the interface (or of
 * any interface), `ip route add` says no more. */
static int route_blame(const nsr_nl_list *l, int i, int err, nsr_error *e)
{
	const route_list *x = (const route_list *)l;
	const nsr_route *r;

	if (i < 0)
		return nsr_fail(e, err, "routes in %s", nsr_ns_label(x->ns));
	r = &x->r[i];
	if (err == -ENETUNREACH && r->nnh == 1 && r->nh[0].via)
		return nsr_fail(e, err, "route %s in %s: gateway %s is not on a subnet of %s%s", r->dst,
				nsr_ns_label(x->ns), r->nh[0].via, r->nh[0].dev ? r->nh[0].dev : "any interface",
				r->nh[0].dev ? "" : " there");
	if (err == -ENETUNREACH && r->nnh > 1)
		return nsr_fail(e, err, "route %s in %s: one of its %d gateways is not on a subnet of "
				"its interface", r->dst, nsr_ns_label(x->ns), r->nnh);
	return nsr_fail(e, err, "route %s in %s", r->dst, nsr_ns_label(x->ns));
}

int nsr_routes_add(nsr_ns *ns, const nsr_route *r, int n, nsr_error *e)
{
	route_list x = { { n, route_item_size, route_item, route_blame }, ns, r };

	return nsr_nl_send_list(ns, &x.l, e);
}

/* A route computation's routes for one router (spf.h), as a list of
 * requests: each made when it goes into the window, with no table of its
 * own. */
typedef struct spf_list {
	nsr_nl_list l;
	nsr_ns *ns;
	const nsr_spf_result *res;
	const nsr_spf_names *names;
	size_t first;		/* the router's first route in res */
	int v6;
	char dst[64];		/* the route being put, for its error */
} spf_list;

static const nsr_spf_route *spf_route(const spf_list *x, int i, size_t *nh)
{
	const nsr_spf_route *rt = &x->res->routes[x->first + (size_t)i];

	*nh = x->res->hop_first[rt->hopset + 1] - x->res->hop_first[rt->hopset];
	return rt;
}

static size_t spf_size(const nsr_nl_list *l, int i)
{
	size_t nh;

	spf_route((const spf_list *)l, i, &nh);
	return route_size(&(nsr_route){ .nnh = (int)nh });
}

/* The destination of rt: its IPv4 prefix, or the IPv6 twin (the /96
 * prefix6 with the IPv4 network in its last 32 bits, 96 + its length). */
static void spf_dst(const spf_list *x, const nsr_spf_route *rt, char *buf, size_t size)
{
	if (x->v6) {
		uint8_t a[16];
		char text[INET6_ADDRSTRLEN];

		memcpy(a, x->names->prefix6, 12);
		a[12] = (uint8_t)(rt->net >> 24);
		a[13] = (uint8_t)(rt->net >> 16);
		a[14] = (uint8_t)(rt->net >> 8);
		a[15] = (uint8_t)rt->net;
		inet_ntop(AF_INET6, a, text, sizeof text);
		snprintf(buf, size, "%s/%d", text, 96 + rt->len);
	} else
		snprintf(buf, size, "%u.%u.%u.%u/%d", rt->net >> 24, rt->net >> 16 & 255,
			 rt->net >> 8 & 255, rt->net & 255, rt->len);
}

static int spf_item(const nsr_nl_list *l, nsr_nl_batch *b, int i, nsr_error *e)
{
	spf_list *x = (spf_list *)l;
	const char *const *via = x->v6 ? x->names->via6 : x->names->via;
	nsr_nexthop nh[256];
	size_t n;
	const nsr_spf_route *rt = spf_route(x, i, &n);
	const int *hops = &x->res->hops[x->res->hop_first[rt->hopset]];

	spf_dst(x, rt, x->dst, sizeof x->dst);
	if (n > 256)
		return nsr_failmsg(e, -EINVAL, "route %s in %s: more than 256 next hops", x->dst,
				   nsr_ns_label(x->ns));
	for (size_t h = 0; h < n; h++)
		nh[h] = (nsr_nexthop){ .via = via[hops[h]], .dev = x->names->dev[hops[h]] };
	return route_put(b, x->ns, &(nsr_route){ .dst = x->dst, .nh = nh, .nnh = (int)n }, e);
}

static int spf_blame(const nsr_nl_list *l, int i, int err, nsr_error *e)
{
	const spf_list *x = (const spf_list *)l;
	char dst[64];
	size_t nh;

	if (i < 0)
		return nsr_fail(e, err, "routes in %s", nsr_ns_label(x->ns));
	spf_dst(x, spf_route(x, i, &nh), dst, sizeof dst);
	return nsr_fail(e, err, "route %s in %s", dst, nsr_ns_label(x->ns));
}

int nsr_routes_add_spf(nsr_ns *ns, const nsr_spf_result *res, int router,
		       const nsr_spf_names *names, int v6, int *widest, nsr_error *e)
{
	spf_list x = { { 0, spf_size, spf_item, spf_blame }, ns, res, names, 0, v6, "" };

	if (router < 0 || router >= res->nrouters || (v6 && !names->via6))
		return nsr_failmsg(e, -EINVAL, "routes in %s: no such router, or no IPv6 names",
				   nsr_ns_label(ns));
	x.first = res->route_first[router];
	x.l.n = (int)(res->route_first[router + 1] - x.first);
	*widest = 0;
	for (int i = 0; i < x.l.n; i++) {
		size_t nh;

		spf_route(&x, i, &nh);
		if ((int)nh > *widest)
			*widest = (int)nh;
	}
	return nsr_nl_send_list(ns, &x.l, e);
}

int nsr_route_add(nsr_ns *ns, const nsr_route *r, nsr_error *e)
{
	return nsr_routes_add(ns, r, 1, e);
}

/* RTM_DELROUTE for dst of family in table (0: main), whatever its next
 * hops. */
static int route_delete(nsr_ns *ns, const char *dst, int family, unsigned int table,
			nsr_error *e)
{
	struct rtnl_route *rt;
	struct nl_addr *a = NULL;
	struct nl_msg *msg;
	const char *why;
	nsr_prefix p;
	int err;

	if (nsr_prefix_parse(dst, family, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "delete route \"%s\" in %s: %s", dst,
				   nsr_ns_label(ns), why);
	if (!(rt = rtnl_route_alloc()) || !(a = to_nl(&p))) {
		err = nsr_fail(e, -ENOMEM, "delete route %s", dst);
		goto out;
	}
	rtnl_route_set_family(rt, p.family);
	rtnl_route_set_dst(rt, a);
	rtnl_route_set_table(rt, table ? table : RT_TABLE_MAIN);
	rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
	if (rtnl_route_build_del_request(rt, 0, &msg) < 0)
		err = nsr_fail(e, -ENOMEM, "delete route %s", dst);
	else if ((err = nsr_nl_talk(ns, msg)) < 0)
		nsr_fail(e, err, "delete route %s in %s", dst, nsr_ns_label(ns));
out:
	nl_addr_put(a);
	if (rt)
		rtnl_route_put(rt);
	return err;
}

int nsr_route_del(nsr_ns *ns, const char *dst, int family, unsigned int table, nsr_error *e)
{
	int err;

	if (strcmp(dst, "default") || family)
		return route_delete(ns, dst, family ? family : dst[0] == 'd' ? AF_INET : 0, table, e);
	/* "default" of no family: the IPv4 one, and the IPv6 one; an error
	 * only when there is neither */
	err = route_delete(ns, dst, AF_INET, table, e);
	if (route_delete(ns, dst, AF_INET6, table, e) == 0 || err == 0)
		return 0;
	return err;
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

/* The request of `ip route get ADDR [from SRC] [iif IF] [ipproto P]`. */
static int route_query(nsr_ns *ns, const char *addr, const nsr_route_query *q,
		       struct nl_msg **out, nsr_error *e)
{
	struct rtmsg rtm = { 0 };
	struct nl_msg *msg;
	nsr_prefix p, s;
	const char *why;
	int iif = 0;

	if (nsr_prefix_parse(addr, 0, &p, &why) < 0 || p.has_len)
		return nsr_failmsg(e, -EINVAL, "route get \"%s\": not an address", addr);
	if (q && q->src && (nsr_prefix_parse(q->src, p.family, &s, &why) < 0 || s.has_len))
		return nsr_failmsg(e, -EINVAL, "route get %s from \"%s\": not an address of its family",
				   addr, q->src);
	if (q && q->iif && (iif = nsr_ifindex(ns, q->iif, e)) < 0)
		return iif;
	rtm.rtm_family = (unsigned char)p.family;
	rtm.rtm_dst_len = (unsigned char)p.len;
	if (q && q->src)
		rtm.rtm_src_len = (unsigned char)s.len;
	if (q && q->fibmatch)
		rtm.rtm_flags |= RTM_F_FIB_MATCH;
	if (!(msg = nlmsg_alloc_simple(RTM_GETROUTE, 0)) ||
	    nlmsg_append(msg, &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, p.family == AF_INET ? 4 : 16, p.addr) < 0 ||
	    (q && q->src && nla_put(msg, RTA_SRC, p.family == AF_INET ? 4 : 16, s.addr) < 0) ||
	    (iif && nla_put_u32(msg, RTA_IIF, (uint32_t)iif) < 0) ||
	    (q && q->proto && nla_put_u8(msg, RTA_IP_PROTO, (uint8_t)q->proto) < 0)) {
		nlmsg_free(msg);
		return nsr_fail(e, -ENOMEM, "route get %s", addr);
	}
	*out = msg;
	return 0;
}

int nsr_route_get(nsr_ns *ns, const char *addr, const nsr_route_query *q, nsr_route_info *out,
		  nsr_error *e)
{
	struct got_route g = { NULL };
	struct rtnl_nexthop *nh;
	struct nl_addr *pref;
	struct nl_msg *msg = NULL;
	struct nl_cb *cb;
	int err;

	memset(out, 0, sizeof *out);
	if ((err = nsr_nl_ensure(ns, e)) < 0 || (err = route_query(ns, addr, q, &msg, e)) < 0)
		return err;
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
	if ((pref = rtnl_route_get_pref_src(g.route)))
		nl_addr2str(pref, out->prefsrc, sizeof out->prefsrc);
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

	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
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

/* One side of a rule: its prefix in frh and attribute type, checked
 * against the rule's family. */
static int rule_prefix(nsr_nl_batch *b, struct fib_rule_hdr *frh, int type,
		       const char *s, const char *what, nsr_ns *ns, nsr_error *e)
{
	const char *why;
	nsr_prefix p;

	if (nsr_prefix_parse(s, frh->family, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "rule in %s: %s \"%s\": %s", nsr_ns_label(ns),
				   what, s, why);
	if (!nsr_prefix_is_network(&p))
		return nsr_failmsg(e, -EINVAL, "rule in %s: %s %s: host bits set",
				   nsr_ns_label(ns), what, s);
	if (type == FRA_SRC)
		frh->src_len = (unsigned char)p.len;
	else
		frh->dst_len = (unsigned char)p.len;
	if (p.len > 0)
		nsr_nl_attr(b, type, p.addr, p.family == AF_INET ? 4 : 16);
	return 0;
}

/* RTM_NEWRULE as iproute2's iprule.c builds it: a fib_rule_hdr, then
 * FRA_* attributes; FR_ACT_TO_TBL, the table in FRA_TABLE. */
int nsr_rule_add(nsr_ns *ns, const nsr_rule *r, nsr_error *e)
{
	struct fib_rule_hdr frh = { .family = AF_INET, .action = FR_ACT_TO_TBL,
				    .table = RT_TABLE_UNSPEC };
	struct fib_rule_hdr *h;
	nsr_prefix probe;
	const char *why;
	nsr_nl_batch b;
	int failed, err;

	if (!r->table)
		return nsr_failmsg(e, -EINVAL, "rule in %s: needs a table", nsr_ns_label(ns));
	if (r->family)
		frh.family = (unsigned char)r->family;
	else if ((r->from && nsr_prefix_parse(r->from, 0, &probe, &why) == 0) ||
		 (r->to && nsr_prefix_parse(r->to, 0, &probe, &why) == 0))
		frh.family = (unsigned char)probe.family;
	if (r->table < 256)
		frh.table = (unsigned char)r->table;
	b.len = 0;
	b.n = 0;
	h = nsr_nl_msg(&b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &frh, sizeof frh);
	if ((r->from && (err = rule_prefix(&b, h, FRA_SRC, r->from, "from", ns, e)) < 0) ||
	    (r->to && (err = rule_prefix(&b, h, FRA_DST, r->to, "to", ns, e)) < 0))
		return err;
	if (r->iif)
		nsr_nl_attr(&b, FRA_IIFNAME, r->iif, strlen(r->iif) + 1);
	if (r->oif)
		nsr_nl_attr(&b, FRA_OIFNAME, r->oif, strlen(r->oif) + 1);
	if (r->fwmark)
		nsr_nl_attr(&b, FRA_FWMARK, &(uint32_t){ r->fwmark }, 4);
	if (r->priority)
		nsr_nl_attr(&b, FRA_PRIORITY, &(uint32_t){ r->priority }, 4);
	nsr_nl_attr(&b, FRA_TABLE, &(uint32_t){ r->table }, 4);
	if ((err = nsr_nl_send(ns, &b, &failed)) < 0)
		return nsr_fail(e, err, "rule%s%s%s%s table %u in %s",
				r->from ? " from " : "", r->from ? r->from : "",
				r->to ? " to " : "", r->to ? r->to : "", r->table, nsr_ns_label(ns));
	return 0;
}
