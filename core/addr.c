#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <sys/socket.h>

#include "addr.h"
#include "nl.h"

static int addr_request(nsr_ns *ns, const char *ifname, const char *cidr,
			int add, nsr_error *e)
{
	const char *what = add ? "address" : "delete address", *why;
	struct nl_addr *local = NULL, *brd = NULL;
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
	if (add && p.family == AF_INET && p.len <= 30) {
		uint8_t b[4];

		nsr_prefix_broadcast(&p, b);
		if (!(brd = nl_addr_build(AF_INET, b, 4))) {
			err = -ENOMEM;
			goto out;
		}
		rtnl_addr_set_broadcast(addr, brd);
	}
	if (add && p.family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	err = add ? rtnl_addr_build_add_request(addr, NLM_F_CREATE | NLM_F_EXCL, &msg)
		  : rtnl_addr_build_delete_request(addr, 0, &msg);
	if (err < 0)
		err = -ENOMEM;
	else
		err = nsr_nl_talk(ns, msg);
out:
	nl_addr_put(local);
	nl_addr_put(brd);
	rtnl_addr_put(addr);
	if (err < 0)
		return nsr_fail(e, err, "%s %s on %s in %s", what, cidr, ifname,
				nsr_ns_label(ns));
	return 0;
}

int nsr_addr_add(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e)
{
	return addr_request(ns, ifname, cidr, 1, e);
}

int nsr_addr_del(nsr_ns *ns, const char *ifname, const char *cidr, nsr_error *e)
{
	return addr_request(ns, ifname, cidr, 0, e);
}
