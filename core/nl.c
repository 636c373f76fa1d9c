#include <errno.h>
#include <sys/socket.h>
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
	/* nsr_nl_talk reads its ACKs itself, so libnl's expected sequence
	 * number falls behind: let libnl's own reads (dumps) not check it;
	 * every request's reply is read before the next request anyway. */
	nl_socket_disable_seq_check(ns->sk);
	return 0;
}

/* The reply to one request is a single NLMSG_ERROR (0: the ACK): read it
 * with one recv into a buffer on the stack, not libnl's nl_wait_for_ack
 * (a peek to size it, a malloc'd buffer, then the read: twice the
 * syscalls and a malloc per request). */
int nsr_nl_talk(nsr_ns *ns, struct nl_msg *msg)
{
	union {
		struct nlmsghdr h;
		char bytes[16384];
	} buf;
	uint32_t seq;
	int err;

	ns->nlerr = 0;
	err = nl_send_auto(ns->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0)
		return nle_to_errno(err);
	for (;;) {
		ssize_t n = recv(nl_socket_get_fd(ns->sk), buf.bytes, sizeof buf.bytes, 0);
		struct nlmsghdr *h = &buf.h;
		int left = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; NLMSG_OK(h, (unsigned)left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;	/* not ours: an earlier request's */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
					return -EIO;
				return ns->nlerr = e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
		}
	}
}
