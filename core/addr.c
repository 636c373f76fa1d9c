#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <sys/socket.h>

#include "addr.h"
#include "nl.h"

/* RTM_DELADDR through libnl's address object. */
static int addr_delete(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e)
{
	const char *what = "delete address", *why;
	struct nl_addr *local = NULL;
	struct rtnl_addr *addr;
	struct nl_msg *msg;
	nsr_prefix p;
	int index, bytes, err;

	if (nsr_prefix_parse(cidr, 0, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "%s \"%s\" on %s in %s: %s", what,
				   cidr, ifname, nsr_ns_label(ns), why);
	if ((index = nsr_ifindex(ns, ifname, e)) < 0)
		return index;
	bytes = p.family == AF_INET ? 4 : 16;
	addr = rtnl_addr_alloc();
	local = nl_addr_build(p.family, p.addr, bytes);
	if (!addr || !local) {
		err = -ENOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, p.len);
	rtnl_addr_set_ifindex(addr, index);
	rtnl_addr_set_local(addr, local);
	rtnl_addr_set_prefixlen(addr, p.len);
	err = rtnl_addr_build_delete_request(addr, 0, &msg);
	if (err < 0)
		err = -ENOMEM;
	else
		err = nsr_nl_talk(ns, msg);
out:
	nl_addr_put(local);
	rtnl_addr_put(addr);
	if (err < 0)
		return nsr_fail(e, err, "%s %s on %s in %s", what, cidr, ifname,
				nsr_ns_label(ns));
	return 0;
}

/* The most bytes an address's request takes in a window. */
#define ADDR_SIZE (NLMSG_SPACE(sizeof(struct ifaddrmsg)) + 3 * RTA_SPACE(16))

/* Check a, then append its RTM_NEWADDR: the ifaddrmsg, IFA_LOCAL and
 * IFA_ADDRESS (as ip and libnl send them), for IPv4 up to /30 the
 * subnet's broadcast address (as ifconfig sets it, or ip with "brd +"),
 * and for IPv6 IFA_F_NODAD. */
static int addr_put(nsr_nl_batch *b, nsr_ns *ns, const nsr_addr *a, nsr_error *e)
{
	struct ifaddrmsg ifa = { 0 };
	const char *why;
	nsr_prefix p;
	int index, bytes;

	if (nsr_prefix_parse(a->cidr, 0, &p, &why) < 0)
		return nsr_failmsg(e, -EINVAL, "address \"%s\" on %s in %s: %s", a->cidr,
				   a->ifname, nsr_ns_label(ns), why);
	if ((index = nsr_ifindex(ns, a->ifname, e)) < 0)
		return index;
	bytes = p.family == AF_INET ? 4 : 16;
	ifa.ifa_family = (unsigned char)p.family;
	ifa.ifa_prefixlen = (unsigned char)p.len;
	ifa.ifa_flags = p.family == AF_INET6 ? IFA_F_NODAD : 0;
	ifa.ifa_index = (unsigned)index;
	nsr_nl_msg(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	nsr_nl_attr(b, IFA_LOCAL, p.addr, bytes);
	nsr_nl_attr(b, IFA_ADDRESS, p.addr, bytes);
	if (p.family == AF_INET && p.len <= 30) {
		uint8_t brd[4];

		nsr_prefix_broadcast(&p, brd);
		nsr_nl_attr(b, IFA_BROADCAST, brd, 4);
	}
	return 0;
}

/* The addresses as a list of requests (nl.h). */
typedef struct addr_list {
	nsr_nl_list l;
	nsr_ns *ns;
	const nsr_addr *a;
} addr_list;

static size_t addr_size(const nsr_nl_list *l, int i)
{
	(void)l;
	(void)i;
	return ADDR_SIZE;
}

static int addr_item(const nsr_nl_list *l, nsr_nl_batch *b, int i, nsr_error *e)
{
	const addr_list *x = (const addr_list *)l;

	return addr_put(b, x->ns, &x->a[i], e);
}

static int addr_blame(const nsr_nl_list *l, int i, int err, nsr_error *e)
{
	const addr_list *x = (const addr_list *)l;

	if (i >= 0)
		return nsr_fail(e, err, "address %s on %s in %s", x->a[i].cidr, x->a[i].ifname,
				nsr_ns_label(x->ns));
	return nsr_fail(e, err, "addresses in %s", nsr_ns_label(x->ns));
}

int nsr_addrs_add(nsr_ns *ns, const nsr_addr *a, int n, nsr_error *e)
{
	addr_list x = { { n, addr_size, addr_item, addr_blame }, ns, a };

	return nsr_nl_send_list(ns, &x.l, e);
}

int nsr_addr_add(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e)
{
	return nsr_addrs_add(ns, &(nsr_addr){ .ifname = ifname, .cidr = cidr }, 1, e);
}

int nsr_addr_del(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e)
{
	return addr_delete(ns, ifname, cidr, e);
}

int nsr_neigh_add(nsr_ns *ns, const char *ifname, const char *addr, const char *mac,
		  nsr_error *e)
{
	struct ndmsg nd = { .ndm_state = NUD_PERMANENT };
	unsigned char ll[6];
	const char *why;
	nsr_nl_batch b;
	nsr_prefix p;
	int failed, err;

	if (nsr_prefix_parse(addr, 0, &p, &why) < 0 || p.has_len)
		return nsr_failmsg(e, -EINVAL, "neighbour \"%s\" on %s in %s: %s", addr, ifname,
				   nsr_ns_label(ns), p.has_len ? "an address, not a prefix" : why);
	if (nsr_mac_parse(mac, ll) < 0)
		return nsr_failmsg(e, -EINVAL, "neighbour %s on %s in %s: \"%s\" is not a MAC address",
				   addr, ifname, nsr_ns_label(ns), mac);
	if ((nd.ndm_ifindex = nsr_ifindex(ns, ifname, e)) < 0)
		return nd.ndm_ifindex;
	nd.ndm_family = (unsigned char)p.family;
	b.len = 0;
	b.n = 0;
	nsr_nl_msg(&b, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &nd, sizeof nd);
	nsr_nl_attr(&b, NDA_DST, p.addr, p.family == AF_INET ? 4 : 16);
	nsr_nl_attr(&b, NDA_LLADDR, ll, 6);
	if ((err = nsr_nl_send(ns, &b, &failed)) < 0)
		return nsr_fail(e, err, "neighbour %s on %s in %s", addr, ifname, nsr_ns_label(ns));
	return 0;
}
