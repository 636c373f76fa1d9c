/*
 * nl.h -- one request, one ACK, and the kernel's real errno.
 *
 * libnl folds many errnos into NLE_FAILURE; an error callback on each socket
 * keeps nlmsgerr->error so that messages say "File exists", not
 * "Unspecific failure".
 */
#ifndef NSR_NL_H
#define NSR_NL_H

struct nl_msg;
struct nsr_ns;

/* Open ns->sk in the current namespace and install the error callback. */
int nsr_nl_open(struct nsr_ns *ns);

/* Send msg on ns's socket, wait for its ACK; consume msg.
 * Return 0 or the kernel's negative errno. */
int nsr_nl_talk(struct nsr_ns *ns, struct nl_msg *msg);

#endif
