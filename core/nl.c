#include <errno.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netns.h"
#include "nl.h"

/* Keep the kernel's errno of an NLMSG_ERROR before libnl folds it. */
static int keep_errno(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	(void)nla;
	((nsr_ns *)arg)->nlerr = err->error;
	return NL_STOP;
}

/* For the failures that do not come from an NLMSG_ERROR. */
static int nle_to_errno(int nle)
{
	switch (-nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_BUSY: return -EBUSY;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_NOACCESS: return -EACCES;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

int nsr_nl_open(nsr_ns *ns)
{
	int err;

	ns->sk = nl_socket_alloc();
	if (!ns->sk)
		return -ENOMEM;
	err = nl_connect(ns->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(ns->sk);
		ns->sk = NULL;
		return nle_to_errno(err);
	}
	nl_socket_modify_err_cb(ns->sk, NL_CB_CUSTOM, keep_errno, ns);
	/* One recvmsg per reply, not a peek to size it and then the read:
	 * halves the syscalls of every request (a 64 KiB buffer holds any
	 * rtnetlink message, dumps included). */
	nl_socket_disable_msg_peek(ns->sk);
	nl_socket_set_msg_buf_size(ns->sk, 65536);
	return 0;
}

int nsr_nl_talk(nsr_ns *ns, struct nl_msg *msg)
{
	int err;

	ns->nlerr = 0;
	err = nl_send_auto(ns->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return nle_to_errno(err);
	err = nl_wait_for_ack(ns->sk);
	if (ns->nlerr)
		return ns->nlerr;
	return err < 0 ? nle_to_errno(err) : 0;
}
