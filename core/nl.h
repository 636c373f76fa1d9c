/*
 * nl.h -- one request, one ACK, and the kernel's real errno; or a window of
 * requests sent together.
 *
 * libnl folds many errnos into NLE_FAILURE; an error callback on each socket
 * keeps nlmsgerr->error so that messages say "File exists", not
 * "Unspecific failure".
 */
#ifndef NSR_NL_H
#define NSR_NL_H

#include "error.h"

struct nl_msg;
struct nl_sock;
struct nsr_ns;

/* Open ns->sk in the current namespace and install the error callback.
 * At most NSR_NL_OPEN_MAX sockets (or half of the open files the
 * namespaces' descriptors leave) stay open: opening one more closes the one used longest ago (a large lab
 * holds a namespace fd per node already, and the open-file limit may be
 * 20,000); nsr_nl_ensure opens it again. */
#define NSR_NL_OPEN_MAX 2048
int nsr_nl_open(struct nsr_ns *ns);

/* ns->sk, opened again (inside ns) if it was closed: 0, or -errno with e
 * set.  Every user of ns->sk asks first, from the namespace nsrun started
 * in (a socket just opened inside ns is there already). */
int nsr_nl_ensure(struct nsr_ns *ns, nsr_error *e);

/* Close ns's socket, if open (the namespace is closed). */
void nsr_nl_close(struct nsr_ns *ns);

/* In a forked child whose descriptors are closed: forget every socket, as
 * if none had been opened (the child opens its own). */
void nsr_nl_drop_all(void);

/* Send msg on ns's socket, wait for its ACK; consume msg.
 * Return 0 or the kernel's negative errno. */
int nsr_nl_talk(struct nsr_ns *ns, struct nl_msg *msg);

/*
 * A window of requests for one socket, built by hand in one buffer (the
 * shape of iproute2's addattr_l) and sent with one sendmsg.  Only the last
 * request asks for an ACK: the kernel handles a sendmsg's requests in
 * order, before sendmsg returns, and answers the others only when they
 * fail.  A window then costs two syscalls, not two per request, and every
 * error is matched to its request by sequence number.  At most
 * NSR_NL_WINDOW requests: their error replies fit the socket's buffer.
 */
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NSR_NL_WINDOW 64

typedef struct nsr_nl_batch {
	size_t len;		/* bytes used in buf */
	size_t cur;		/* where the request being built starts */
	int n;			/* requests in buf */
	char buf[32768];
} nsr_nl_batch;

/* Room for a request of size bytes (headers and attributes, aligned)? */
int nsr_nl_fits(const nsr_nl_batch *b, size_t size);

/* Start a request: the netlink header (NLM_F_REQUEST | flags) and its
 * fixed part (a struct rtmsg, ...); return that fixed part, in buf. */
void *nsr_nl_msg(nsr_nl_batch *b, int type, int flags, const void *fixed, size_t size);

/* Append an attribute to the current request; return it.  Nest by
 * appending an empty one and setting its rta_len to nsr_nl_since(b, it)
 * after its members. */
struct rtattr *nsr_nl_attr(nsr_nl_batch *b, int type, const void *data, size_t size);

/* Append size zeroed bytes to the current request (an rtnexthop). */
void *nsr_nl_put(nsr_nl_batch *b, size_t size);

/* The bytes from p, in the current request, to its end: the length of a
 * nested attribute or an rtnexthop started at p, once its members are in. */
unsigned short nsr_nl_since(const nsr_nl_batch *b, const void *p);

/*
 * A list of n requests sent in windows, for a caller that embeds it first
 * in its own struct: size(l, i) bounds request i's bytes; put(l, b, i, e)
 * checks request i and appends it to b, or fails; blame(l, i, err, e)
 * fills e for the kernel's err on request i (-1: none is to blame).
 */
typedef struct nsr_nl_list {
	int n;
	size_t (*size)(const struct nsr_nl_list *l, int i);
	int (*put)(const struct nsr_nl_list *l, nsr_nl_batch *b, int i, nsr_error *e);
	int (*blame)(const struct nsr_nl_list *l, int i, int err, nsr_error *e);
} nsr_nl_list;

/* Send l's requests in order, a window at a time.  At the first that
 * fails (put or the kernel), stop and return its error: the requests
 * before it are in, as if sent one by one, and of those after it, the ones
 * sent in the same window may be too. */
int nsr_nl_send_list(struct nsr_ns *ns, const nsr_nl_list *l, nsr_error *e);

/* Send the window and read its replies; empty it.  Return 0, or the
 * kernel's negative errno for the first request that failed and its
 * position in the window in *failed (-1 when no request is to blame:
 * the send failed, or replies were lost). */
int nsr_nl_send(struct nsr_ns *ns, nsr_nl_batch *b, int *failed);

#endif
