#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"
#include "nl.h"

static int dump_failed(nsr_error *e, nsr_ns *ns, const char *what, int nlerr)
{
	return nsr_failmsg(e, -EIO, "%s of %s: %s", what, nsr_ns_label(ns),
			   nl_geterror(nlerr));
}

/* n objects of cache into a calloc'd array of size each */
static void *array_for(struct nl_cache *cache, size_t size)
{
	int n = nl_cache_nitems(cache);

	return calloc(n > 0 ? (size_t)n : 1, size);
}

static void ifname_of(struct nl_cache *links, int index, char *buf, size_t size)
{
	if (!index || !rtnl_link_i2name(links, index, buf, size))
		snprintf(buf, size, "%s", index ? "?" : "");
}

int nsr_show_links(nsr_ns *ns, nsr_linkinfo **out, int *n, nsr_error *e)
{
	struct nl_cache *cache;
	struct nl_object *o;
	nsr_linkinfo *a;
	int err;

	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	if ((err = rtnl_link_alloc_cache(ns->sk, AF_UNSPEC, &cache)) < 0)
		return dump_failed(e, ns, "links", err);
	if (!(a = array_for(cache, sizeof *a))) {
		nl_cache_free(cache);
		return nsr_fail(e, -ENOMEM, "links of %s", nsr_ns_label(ns));
	}
	*n = 0;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		nsr_linkinfo *x = &a[(*n)++];
		const char *kind = rtnl_link_get_type(l);
		struct nl_addr *mac = rtnl_link_get_addr(l);

		snprintf(x->name, sizeof x->name, "%s", rtnl_link_get_name(l));
		snprintf(x->kind, sizeof x->kind, "%s", kind ? kind : "");
		if (mac && nl_addr_get_len(mac) == 6)
			nl_addr2str(mac, x->mac, sizeof x->mac);
		ifname_of(cache, rtnl_link_get_master(l), x->master, sizeof x->master);
		x->index = rtnl_link_get_ifindex(l);
		x->up = !!(rtnl_link_get_flags(l) & IFF_UP);
		x->lower_up = !!(rtnl_link_get_flags(l) & IFF_LOWER_UP);
		x->mtu = (int)rtnl_link_get_mtu(l);
	}
	nl_cache_free(cache);
	*out = a;
	return 0;
}

int nsr_show_addrs(nsr_ns *ns, nsr_addrinfo **out, int *n, nsr_error *e)
{
	struct nl_cache *cache, *links;
	struct nl_object *o;
	nsr_addrinfo *a;
	int err;

	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	if ((err = rtnl_link_alloc_cache(ns->sk, AF_UNSPEC, &links)) < 0)
		return dump_failed(e, ns, "links", err);
	if ((err = rtnl_addr_alloc_cache(ns->sk, &cache)) < 0) {
		nl_cache_free(links);
		return dump_failed(e, ns, "addresses", err);
	}
	if (!(a = array_for(cache, sizeof *a))) {
		nl_cache_free(cache);
		nl_cache_free(links);
		return nsr_fail(e, -ENOMEM, "addresses of %s", nsr_ns_label(ns));
	}
	*n = 0;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ad = (struct rtnl_addr *)o;
		nsr_addrinfo *x = &a[(*n)++];
		struct nl_addr *local = rtnl_addr_get_local(ad);

		ifname_of(links, rtnl_addr_get_ifindex(ad), x->ifname, sizeof x->ifname);
		nl_addr2str(local, x->cidr, sizeof x->cidr);
		if (!strchr(x->cidr, '/'))	/* libnl leaves out a full length */
			snprintf(x->cidr + strlen(x->cidr), sizeof x->cidr - strlen(x->cidr),
				 "/%u", nl_addr_get_prefixlen(local));
		x->family = rtnl_addr_get_family(ad);
		x->link_local = rtnl_addr_get_scope(ad) == RT_SCOPE_LINK;
	}
	nl_cache_free(cache);
	nl_cache_free(links);
	*out = a;
	return 0;
}

static const char *route_type(int t)
{
	switch (t) {
	case RTN_UNICAST: return "unicast";
	case RTN_LOCAL: return "local";
	case RTN_BROADCAST: return "broadcast";
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT: return "prohibit";
	case RTN_MULTICAST: return "multicast";
	default: return "other";
	}
}

int nsr_show_routes(nsr_ns *ns, nsr_routeinfo **out, int *n, nsr_error *e)
{
	struct nl_cache *cache, *links;
	struct nl_object *o;
	nsr_routeinfo *a;
	int err;

	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	if ((err = rtnl_link_alloc_cache(ns->sk, AF_UNSPEC, &links)) < 0)
		return dump_failed(e, ns, "links", err);
	if ((err = rtnl_route_alloc_cache(ns->sk, AF_UNSPEC, 0, &cache)) < 0) {
		nl_cache_free(links);
		return dump_failed(e, ns, "routes", err);
	}
	if (!(a = array_for(cache, sizeof *a))) {
		nl_cache_free(cache);
		nl_cache_free(links);
		return nsr_fail(e, -ENOMEM, "routes of %s", nsr_ns_label(ns));
	}
	*n = 0;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		nsr_routeinfo *x;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN)
			continue;
		x = &a[(*n)++];
		if (!dst || nl_addr_get_prefixlen(dst) == 0)
			snprintf(x->dst, sizeof x->dst, "default");
		else
			nl_addr2str(dst, x->dst, sizeof x->dst);
		snprintf(x->type, sizeof x->type, "%s", route_type(rtnl_route_get_type(r)));
		x->family = rtnl_route_get_family(r);
		x->metric = (int)rtnl_route_get_priority(r);
		x->proto = (int)rtnl_route_get_protocol(r);
		x->nh = calloc((size_t)rtnl_route_get_nnexthops(r) + 1, sizeof *x->nh);
		if (!x->nh) {
			nsr_show_routes_free(a, *n);
			nl_cache_free(cache);
			nl_cache_free(links);
			return nsr_fail(e, -ENOMEM, "routes of %s", nsr_ns_label(ns));
		}
		for (int i = 0; i < rtnl_route_get_nnexthops(r); i++) {
			struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);
			struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);

			if (gw)
				nl_addr2str(gw, x->nh[x->nnh].via, sizeof x->nh[x->nnh].via);
			ifname_of(links, rtnl_route_nh_get_ifindex(nh), x->nh[x->nnh].dev,
				  sizeof x->nh[x->nnh].dev);
			x->nh[x->nnh].weight = rtnl_route_nh_get_weight(nh) + 1;
			x->nh[x->nnh].dead = !!(rtnl_route_nh_get_flags(nh) & RTNH_F_DEAD);
			x->nh[x->nnh].linkdown = !!(rtnl_route_nh_get_flags(nh) & RTNH_F_LINKDOWN);
			x->nnh++;
		}
	}
	nl_cache_free(cache);
	nl_cache_free(links);
	*out = a;
	return 0;
}

void nsr_show_routes_free(nsr_routeinfo *a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i].nh);
	free(a);
}

int nsr_show_neighs(nsr_ns *ns, nsr_neighinfo **out, int *n, nsr_error *e)
{
	struct nl_cache *cache, *links;
	struct nl_object *o;
	nsr_neighinfo *a;
	int err;

	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	if ((err = rtnl_link_alloc_cache(ns->sk, AF_UNSPEC, &links)) < 0)
		return dump_failed(e, ns, "links", err);
	if ((err = rtnl_neigh_alloc_cache(ns->sk, &cache)) < 0) {
		nl_cache_free(links);
		return dump_failed(e, ns, "neighbours", err);
	}
	if (!(a = array_for(cache, sizeof *a))) {
		nl_cache_free(cache);
		nl_cache_free(links);
		return nsr_fail(e, -ENOMEM, "neighbours of %s", nsr_ns_label(ns));
	}
	*n = 0;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *ne = (struct rtnl_neigh *)o;
		struct nl_addr *dst = rtnl_neigh_get_dst(ne), *ll = rtnl_neigh_get_lladdr(ne);
		int family = rtnl_neigh_get_family(ne);
		nsr_neighinfo *x;

		if (!dst || (family != AF_INET && family != AF_INET6))
			continue;	/* the bridge's FDB and the like */
		x = &a[(*n)++];
		memset(x, 0, sizeof *x);
		ifname_of(links, rtnl_neigh_get_ifindex(ne), x->ifname, sizeof x->ifname);
		nl_addr2str(dst, x->addr, sizeof x->addr);
		if (ll)
			nl_addr2str(ll, x->mac, sizeof x->mac);
		rtnl_neigh_state2str(rtnl_neigh_get_state(ne), x->state, sizeof x->state);
		x->family = family;
	}
	nl_cache_free(cache);
	nl_cache_free(links);
	*out = a;
	return 0;
}
