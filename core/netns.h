/*
 * netns.h -- named network namespaces, as `ip netns` makes them.
 *
 * A namespace is a bind mount of an nsfs inode on /run/netns/NAME, on a
 * shared mount point, so `ip netns list` and `ip netns exec NAME` see it.
 * An nsr_ns is the open handle: the namespace fd and the one rtnetlink
 * socket opened inside it.  Close it before deleting the namespace: an open
 * fd or socket keeps a deleted namespace alive in the kernel.
 */
#ifndef NSR_NETNS_H
#define NSR_NETNS_H

#include <sys/types.h>

#include "error.h"
#include "names.h"

#define NSR_NETNS_DIR "/run/netns"

struct nl_sock;

typedef struct nsr_ifentry {
	char name[NSR_IFNAMSIZ];
	int index;
} nsr_ifentry;

/* A directory a node's commands see at another path (its daemons' private
 * /etc/frr, /var/run/frr, ...): bind-mounted in their own mount namespace. */
typedef struct nsr_bind {
	char *src, *dst;
} nsr_bind;

typedef struct nsr_ns {
	char name[NSR_NAME_MAX + 1];	/* "" for the namespace nsrun started in */
	int fd;				/* the namespace (nsfs) */
	struct nl_sock *sk;		/* NETLINK_ROUTE, bound inside it */
	int nlerr;			/* errno of the last NLMSG_ERROR */
	int fresh;			/* created by us: we choose ifindexes */
	int pidfd;			/* attached: the process (pidfd), else -1 */
	pid_t pid;			/* and its PID, while pidfd says it runs */
	int whole;			/* commands join all of pidfd's namespaces
					 * (a container), not just the network */
	int next_ifindex;		/* next free ifindex when fresh */
	nsr_ifentry *ifs;		/* known interface names -> ifindex */
	int nifs, capifs;
	nsr_bind *binds;		/* what commands run here see (proc.h) */
	int nbinds;
	char hostname[65];		/* their own UTS namespace's, "" none */
	struct nsr_ns *lru_prev, *lru_next;	/* open sockets, by last use (nl.c) */
	int lru_in;
} nsr_ns;

/* How many namespace handles are open (each holds a descriptor). */
int nsr_ns_handles(void);

/* Create /run/netns/NAME: a new namespace with loopback up. */
int nsr_ns_create(const char *name, nsr_ns **out, nsr_error *e);

/* Name the network namespace of process pid as /run/netns/NAME
 * (`ip netns attach NAME PID`). */
int nsr_ns_attach(const char *name, pid_t pid, nsr_ns **out, nsr_error *e);

/* Open an existing /run/netns/NAME. */
int nsr_ns_open(const char *name, nsr_ns **out, nsr_error *e);

/* Hold process pid (a pidfd) for ns, an opened namespace, after checking
 * the process is in it: commands can then join all its namespaces (a
 * container: ns->whole). */
int nsr_ns_hold(nsr_ns *ns, pid_t pid, nsr_error *e);

/* Whether the process ns holds (attach, hold) still runs: 1 yes, 0 it
 * has exited, -1 ns holds none. */
int nsr_ns_running(const nsr_ns *ns);

/* The namespace nsrun was started in (the host's, usually). */
int nsr_ns_open_root(nsr_ns **out, nsr_error *e);

/* PID 1's network namespace, the initial one unless nsrun runs in a PID
 * namespace of its own; for reading its settings (no netlink socket). */
int nsr_ns_open_initial(nsr_ns **out, nsr_error *e);

/* Commands run in ns from now on (proc.h) see directory src at dst, which
 * must exist: a bind mount in their mount namespace, nothing on the host. */
int nsr_ns_bind(nsr_ns *ns, const char *src, const char *dst, nsr_error *e);

/* Commands run in ns from now on have a UTS namespace of their own with
 * this host name (a router's daemons name themselves by it). */
int nsr_ns_hostname(nsr_ns *ns, const char *name, nsr_error *e);

/* Close the handle (not the namespace). NULL is fine. */
void nsr_ns_close(nsr_ns *ns);

/* Unmount and remove /run/netns/NAME (`ip netns del NAME`). A name that is
 * already gone is not an error when missing_ok. */
int nsr_ns_delete(const char *name, int missing_ok, nsr_error *e);
/* nsr_ns_delete of each of names[0..n-1], several at once: the number that
 * failed, and the first one's error in e. */
int nsr_ns_delete_many(char *const *names, int n, int missing_ok, nsr_error *e);

/* Wait, at most timeout_ms, until the kernel has unregistered the devices
 * of every network namespace released before the call (deleted and no
 * longer held: their freeing queued).  The kernel frees namespaces in a
 * worker, batch after batch, and unregisters a batch's devices under one
 * hold of rtnl_lock: a lab built meanwhile waits for it at every request.
 * A witness tells when: a namespace of ours released now is freed after
 * them, and the peer it takes along, in another namespace of ours, is
 * announced gone.  1 when that came, 0 on timeout, or -errno. */
int nsr_ns_await_freed(int timeout_ms, nsr_error *e);

/* The names under /run/netns (`ip netns list`), sorted, malloc'd: free each
 * and the array. */
int nsr_ns_list(char ***names, int *n, nsr_error *e);

/* 1 when /run/netns/NAME exists. */
int nsr_ns_exists(const char *name);

/* Enter ns (setns) / return to the namespace nsrun started in. */
int nsr_ns_enter(const nsr_ns *ns, nsr_error *e);
int nsr_ns_leave(nsr_error *e);

/* "router", or "the host namespace" for the root handle: for messages. */
const char *nsr_ns_label(const nsr_ns *ns);

/* Interface name -> ifindex, from what we created or one RTM_GETLINK. */
int nsr_ifindex(nsr_ns *ns, const char *ifname, nsr_error *e);
void nsr_ifindex_remember(nsr_ns *ns, const char *ifname, int index);
void nsr_ifindex_forget(nsr_ns *ns, const char *ifname);

#endif
