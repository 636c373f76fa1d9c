#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <sys/resource.h>
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

/* The namespaces whose socket is open, the most recently used first. */
static nsr_ns *lru_head, *lru_tail;
static int lru_n;

static void lru_unlink(nsr_ns *ns)
{
	if (!ns->lru_in)
		return;
	if (ns->lru_prev)
		ns->lru_prev->lru_next = ns->lru_next;
	else
		lru_head = ns->lru_next;
	if (ns->lru_next)
		ns->lru_next->lru_prev = ns->lru_prev;
	else
		lru_tail = ns->lru_prev;
	ns->lru_prev = ns->lru_next = NULL;
	ns->lru_in = 0;
	lru_n--;
}

static void lru_front(nsr_ns *ns)
{
	lru_unlink(ns);
	ns->lru_next = lru_head;
	if (lru_head)
		lru_head->lru_prev = ns;
	lru_head = ns;
	if (!lru_tail)
		lru_tail = ns;
	ns->lru_in = 1;
	lru_n++;
}

void nsr_nl_close(nsr_ns *ns)
{
	lru_unlink(ns);
	if (ns->sk)
		nl_socket_free(ns->sk);
	ns->sk = NULL;
}

int nsr_nl_ensure(nsr_ns *ns, nsr_error *e)
{
	int err;

	if (ns->sk) {
		if (lru_head != ns)
			lru_front(ns);
		return 0;
	}
	if ((err = nsr_ns_enter(ns, e)) < 0)
		return err;
	err = nsr_nl_open(ns);
	if (nsr_ns_leave(e) < 0) {
		nsr_nl_close(ns);
		return e ? e->code : -EIO;
	}
	if (err < 0)
		return nsr_fail(e, err, "netlink socket in %s", nsr_ns_label(ns));
	return 0;
}

void nsr_nl_drop_all(void)
{
	nsr_ns *next;

	for (nsr_ns *ns = lru_head; ns; ns = next) {
		next = ns->lru_next;
		ns->sk = NULL;
		ns->lru_prev = ns->lru_next = NULL;
		ns->lru_in = 0;
	}
	lru_head = lru_tail = NULL;
	lru_n = 0;
}

/* How many sockets may stay open: NSR_NL_OPEN_MAX, or half of what the
 * open-file limit leaves beside the namespaces' own descriptors. */
static int open_max(void)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return NSR_NL_OPEN_MAX;
	room = ((long)rl.rlim_cur - nsr_ns_handles()) / 2;
	return room >= NSR_NL_OPEN_MAX ? NSR_NL_OPEN_MAX : room > 8 ? (int)room : 8;
}

int nsr_nl_open(nsr_ns *ns)
{
	int err, max = open_max();

	lru_unlink(ns);
	while (lru_n >= max && lru_tail)
		nsr_nl_close(lru_tail);

	ns->sk = nl_socket_alloc();
	if (!ns->sk)
		return -ENOMEM;
	err = nl_connect(ns->sk, NETLINK_ROUTE);
	if (err < 0) {
		int sys = errno;	/* libnl reads EMFILE as "unspecific failure" */

		nl_socket_free(ns->sk);
		ns->sk = NULL;
		return sys == EMFILE || sys == ENFILE || sys == ENOBUFS || sys == ENOMEM ? -sys
			: nle_to_errno(err);
	}
	nl_socket_modify_err_cb(ns->sk, NL_CB_CUSTOM, keep_errno, ns);
	/* A window's error replies must fit the receive buffer: without the
	 * request they quote (NETLINK_CAP_ACK), in a buffer of 256 KiB. */
	setsockopt(nl_socket_get_fd(ns->sk), SOL_NETLINK, NETLINK_CAP_ACK, &(int){ 1 }, sizeof(int));
	nl_socket_set_buffer_size(ns->sk, 262144, 0);
	/* nsr_nl_talk reads its ACKs itself, so libnl's expected sequence
	 * number falls behind: let libnl's own reads (dumps) not check it;
	 * every request's reply is read before the next request anyway. */
	nl_socket_disable_seq_check(ns->sk);
	lru_front(ns);
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
	if ((err = nsr_nl_ensure(ns, NULL)) < 0) {
		nlmsg_free(msg);
		return err;
	}
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

int nsr_nl_fits(const nsr_nl_batch *b, size_t size)
{
	return b->n < NSR_NL_WINDOW && size <= sizeof b->buf - b->len;
}

/* The callers size each request with nsr_nl_fits first: the appends below
 * stay inside buf. */
void *nsr_nl_msg(nsr_nl_batch *b, int type, int flags, const void *fixed, size_t size)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + b->len);

	memset(h, 0, NLMSG_SPACE(size));
	h->nlmsg_len = NLMSG_SPACE(size);	/* attributes follow aligned */
	h->nlmsg_type = (unsigned short)type;
	h->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	memcpy(NLMSG_DATA(h), fixed, size);
	b->cur = b->len;
	b->n++;
	b->len += h->nlmsg_len;
	return NLMSG_DATA(h);
}

void *nsr_nl_put(nsr_nl_batch *b, size_t size)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + b->cur);
	void *p = b->buf + b->len;

	memset(p, 0, NLMSG_ALIGN(size));
	h->nlmsg_len += (uint32_t)NLMSG_ALIGN(size);
	b->len += NLMSG_ALIGN(size);
	return p;
}

struct rtattr *nsr_nl_attr(nsr_nl_batch *b, int type, const void *data, size_t size)
{
	struct rtattr *a = nsr_nl_put(b, RTA_LENGTH(size));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(size);
	if (size)
		memcpy(RTA_DATA(a), data, size);
	return a;
}

unsigned short nsr_nl_since(const nsr_nl_batch *b, const void *p)
{
	return (unsigned short)(b->buf + b->len - (const char *)p);
}

int nsr_nl_send(nsr_ns *ns, nsr_nl_batch *b, int *failed)
{
	union {
		struct nlmsghdr h;
		char bytes[16384];
	} buf;
	int fd, n = b->n, err = 0, first = -1, flags = 0;
	struct nlmsghdr *h = (struct nlmsghdr *)b->buf;
	uint32_t seq0 = 0;

	*failed = -1;
	if (n == 0)
		return 0;
	if ((err = nsr_nl_ensure(ns, NULL)) < 0) {
		b->n = 0;
		b->len = 0;
		return err;
	}
	fd = nl_socket_get_fd(ns->sk);
	for (int i = 0; i < n; i++) {
		h->nlmsg_seq = nl_socket_use_seq(ns->sk);
		if (i == 0)
			seq0 = h->nlmsg_seq;
		if (i == n - 1)
			h->nlmsg_flags |= NLM_F_ACK;
		h = (struct nlmsghdr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	}
	b->n = 0;
	ns->nlerr = 0;
	while (send(fd, b->buf, b->len, 0) < 0)
		if (errno != EINTR) {
			b->len = 0;
			return -errno;
		}
	b->len = 0;
	/* Every reply is queued when send returns.  Should the buffer have
	 * overflowed (ENOBUFS: some replies dropped), read what is left
	 * without waiting for an ACK that may be lost. */
	for (;;) {
		ssize_t got = recv(fd, buf.bytes, sizeof buf.bytes, flags);
		int left = (int)got;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS && !flags) {
				flags = MSG_DONTWAIT;
				continue;
			}
			if (errno == EAGAIN && flags)
				break;
			return -errno;
		}
		for (h = &buf.h; NLMSG_OK(h, (unsigned)left); h = NLMSG_NEXT(h, left)) {
			uint32_t i = h->nlmsg_seq - seq0;
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (i >= (uint32_t)n || h->nlmsg_type != NLMSG_ERROR)
				continue;	/* not this window's */
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
				e = NULL;
			if ((!e || e->error) && (first < 0 || (int)i < first)) {
				first = (int)i;
				err = e ? e->error : -EIO;
			}
			if ((int)i == n - 1 && !flags)
				goto done;
		}
	}
	/* Replies were lost: the ones kept came first, in order.  Without
	 * one, which requests failed is unknown. */
	if (first < 0) {
		*failed = -1;
		return ns->nlerr = -ENOBUFS;
	}
done:
	*failed = first;
	return ns->nlerr = err;
}

/* Send the window, whose first request is list item first. */
static int flush(nsr_ns *ns, nsr_nl_batch *b, const nsr_nl_list *l, int first, nsr_error *e)
{
	int failed, err = nsr_nl_send(ns, b, &failed);

	return err < 0 ? l->blame(l, failed >= 0 ? first + failed : -1, err, e) : 0;
}

int nsr_nl_send_list(nsr_ns *ns, const nsr_nl_list *l, nsr_error *e)
{
	nsr_nl_batch b;
	int first = 0, err;

	b.len = 0;
	b.n = 0;
	for (int i = 0; i < l->n; i++) {
		if (!nsr_nl_fits(&b, l->size(l, i))) {
			if ((err = flush(ns, &b, l, first, e)) < 0)
				return err;
			first = i;
		}
		if ((err = l->put(l, &b, i, e)) < 0) {
			int sent = flush(ns, &b, l, first, e);	/* the ones before */

			return sent < 0 ? sent : err;
		}
	}
	return flush(ns, &b, l, first, e);
}
