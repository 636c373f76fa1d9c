#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "netns.h"
#include "nl.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* The namespace this process started in: a fact of the process, opened once. */
static int home_fd = -1;

static int home(void)
{
	if (home_fd < 0)
		home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return home_fd;
}

const char *nsr_ns_label(const nsr_ns *ns)
{
	return ns->name[0] ? ns->name : "the host namespace";
}

int nsr_ns_enter(const nsr_ns *ns, nsr_error *e)
{
	if (home() < 0)
		return nsr_fail(e, -errno, "open own network namespace");
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return nsr_fail(e, -errno, "enter namespace %s", nsr_ns_label(ns));
	return 0;
}

int nsr_ns_leave(nsr_error *e)
{
	if (setns(home(), CLONE_NEWNET) < 0)
		return nsr_fail(e, -errno, "return to own network namespace");
	return 0;
}

/* /run/netns must exist and be a shared mount point, so that the mounts
 * under it propagate into the mount namespaces of `ip netns exec`
 * (iproute2 ip/ipnetns.c netns_add does the same). */
static int prepare_dir(nsr_error *e)
{
	static int done;
	int bound = 0;

	if (done)
		return 0;
	if (mkdir(NSR_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return nsr_fail(e, -errno, "create %s", NSR_NETNS_DIR);
	while (mount("", NSR_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || bound)
			return nsr_fail(e, -errno, "make %s shared", NSR_NETNS_DIR);
		if (mount(NSR_NETNS_DIR, NSR_NETNS_DIR, "none", MS_BIND | MS_REC,
			  NULL) < 0)
			return nsr_fail(e, -errno, "bind %s", NSR_NETNS_DIR);
		bound = 1;
	}
	done = 1;
	return 0;
}

static int check_name(const char *name, nsr_error *e)
{
	const char *why = nsr_name_invalid(name);

	if (why)
		return nsr_failmsg(e, -EINVAL, "namespace name \"%s\": %s",
				   name, why);
	return 0;
}

static void ns_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", NSR_NETNS_DIR, name);
}

static int handles;	/* nsr_ns open: a descriptor each */

int nsr_ns_handles(void)
{
	return handles;
}

static nsr_ns *ns_new(const char *name, int fd)
{
	nsr_ns *ns = calloc(1, sizeof *ns);

	if (!ns)
		return NULL;
	handles++;
	snprintf(ns->name, sizeof ns->name, "%s", name);
	ns->fd = fd;
	ns->pidfd = -1;
	return ns;
}

int nsr_ns_bind(nsr_ns *ns, const char *src, const char *dst, nsr_error *e)
{
	nsr_bind *b = realloc(ns->binds, (size_t)(ns->nbinds + 1) * sizeof *b);

	if (!b)
		return nsr_fail(e, -ENOMEM, "bind %s at %s in %s", src, dst, nsr_ns_label(ns));
	ns->binds = b;
	if (src[0] != '/' || dst[0] != '/')
		return nsr_failmsg(e, -EINVAL, "bind %s at %s in %s: paths must be absolute", src, dst,
				   nsr_ns_label(ns));
	b[ns->nbinds].src = strdup(src);
	b[ns->nbinds].dst = strdup(dst);
	if (!b[ns->nbinds].src || !b[ns->nbinds].dst) {
		free(b[ns->nbinds].src);
		free(b[ns->nbinds].dst);
		return nsr_fail(e, -ENOMEM, "bind %s at %s in %s", src, dst, nsr_ns_label(ns));
	}
	ns->nbinds++;
	return 0;
}

int nsr_ns_hostname(nsr_ns *ns, const char *name, nsr_error *e)
{
	if (strlen(name) >= sizeof ns->hostname || nsr_name_invalid(name))
		return nsr_failmsg(e, -EINVAL, "host name \"%s\" of %s: not a valid name", name,
				   nsr_ns_label(ns));
	snprintf(ns->hostname, sizeof ns->hostname, "%s", name);
	return 0;
}

void nsr_ns_close(nsr_ns *ns)
{
	if (!ns)
		return;
	for (int i = 0; i < ns->nbinds; i++) {
		free(ns->binds[i].src);
		free(ns->binds[i].dst);
	}
	free(ns->binds);
	nsr_nl_close(ns);
	handles--;
	if (ns->fd >= 0)
		close(ns->fd);
	if (ns->pidfd >= 0)
		close(ns->pidfd);
	free(ns->ifs);
	free(ns);
}

/* Open the handle's socket inside the namespace, then come back. */
static int open_socket(nsr_ns *ns, nsr_error *e)
{
	int err = nsr_ns_enter(ns, e);

	if (err < 0)
		return err;
	err = nsr_nl_open(ns);
	if (err < 0)
		nsr_fail(e, err, "netlink socket in %s", nsr_ns_label(ns));
	if (nsr_ns_leave(err < 0 ? NULL : e) < 0 && err == 0)
		err = e->code;
	return err;
}

int nsr_ns_create(const char *name, nsr_ns **out, nsr_error *e)
{
	char path[sizeof NSR_NETNS_DIR + NSR_NAME_MAX + 1];
	nsr_ns *ns = NULL;
	int fd, err;

	if ((err = check_name(name, e)) < 0 || (err = prepare_dir(e)) < 0)
		return err;
	if (home() < 0)
		return nsr_fail(e, -errno, "open own network namespace");
	ns_path(path, sizeof path, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return nsr_fail(e, -errno, "namespace %s", name);
	close(fd);

	if (unshare(CLONE_NEWNET) < 0) {
		err = nsr_fail(e, -errno, "namespace %s: unshare", name);
		goto fail;
	}
	/* The thread's namespace, not the process's: see DESIGN.md. */
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err = nsr_fail(e, -errno, "namespace %s: bind mount", name);
		goto back;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(ns = ns_new(name, fd))) {
		err = nsr_fail(e, fd < 0 ? -errno : -ENOMEM, "namespace %s", name);
		if (fd >= 0)
			close(fd);
		goto back;
	}
	ns->fresh = 1;
	ns->next_ifindex = 2;	/* 1 is lo */
	if ((err = nsr_nl_open(ns)) < 0) {
		nsr_fail(e, err, "netlink socket in %s", name);
		goto back;
	}
	nsr_ifindex_remember(ns, "lo", 1);
	err = nsr_link_set_up(ns, "lo", 1, e);
back:
	if (setns(home(), CLONE_NEWNET) < 0 && err == 0)
		err = nsr_fail(e, -errno, "return to own network namespace");
	if (err == 0) {
		*out = ns;
		return 0;
	}
fail:
	nsr_ns_close(ns);
	umount2(path, MNT_DETACH);
	unlink(path);
	return err;
}

/* fd must be a network namespace (nsfs, CLONE_NEWNET). */
static int is_netns(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == NSFS_MAGIC &&
	       ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

int nsr_ns_attach(const char *name, pid_t pid, nsr_ns **out, nsr_error *e)
{
	char path[sizeof NSR_NETNS_DIR + NSR_NAME_MAX + 1], src[64];
	nsr_ns *ns;
	int fd, tfd, pidfd, err;

	if ((err = check_name(name, e)) < 0 || (err = prepare_dir(e)) < 0)
		return err;
	if (pid <= 0)
		return nsr_failmsg(e, -EINVAL, "attach %s: pid %d is not a process", name, (int)pid);
	/* Hold the process (a pidfd) before opening its namespace, then check
	 * it still runs: the namespace is then its, not a later PID's. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return nsr_fail(e, -errno, "attach %s to pid %d", name, (int)pid);
	snprintf(src, sizeof src, "/proc/%d/ns/net", (int)pid);
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 0) != 0) {
		err = fd < 0 && errno != ENOENT ? -errno : -ESRCH;
		if (fd >= 0)
			close(fd);
		close(pidfd);
		return nsr_fail(e, err, "attach %s to pid %d", name, (int)pid);
	}
	ns_path(path, sizeof path, name);
	tfd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0);
	if (tfd < 0) {
		err = nsr_fail(e, -errno, "namespace %s", name);
		close(fd);
		close(pidfd);
		return err;
	}
	close(tfd);
	/* Mount what we opened, not the pid's path again: the pid may be gone
	 * or reused by now, the open fd is not. */
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		err = nsr_fail(e, -errno, "attach %s to pid %d", name, (int)pid);
		close(fd);
		close(pidfd);
		unlink(path);
		return err;
	}
	if (!(ns = ns_new(name, fd))) {
		close(fd);
		close(pidfd);
		err = -ENOMEM;
	} else {
		ns->pidfd = pidfd;
		ns->pid = pid;
		err = open_socket(ns, e);
	}
	if (err < 0) {
		nsr_ns_close(ns);
		umount2(path, MNT_DETACH);
		unlink(path);
		return err == -ENOMEM ? nsr_fail(e, err, "attach %s", name) : err;
	}
	*out = ns;
	return 0;
}

int nsr_ns_open(const char *name, nsr_ns **out, nsr_error *e)
{
	char path[sizeof NSR_NETNS_DIR + NSR_NAME_MAX + 1];
	nsr_ns *ns;
	int fd, err;

	if ((err = check_name(name, e)) < 0)
		return err;
	ns_path(path, sizeof path, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nsr_fail(e, -errno, "namespace %s", name);
	if (!is_netns(fd)) {
		close(fd);
		return nsr_failmsg(e, -EINVAL, "namespace %s: %s is not a network namespace", name, path);
	}
	if (!(ns = ns_new(name, fd))) {
		close(fd);
		return nsr_fail(e, -ENOMEM, "namespace %s", name);
	}
	if ((err = open_socket(ns, e)) < 0) {
		nsr_ns_close(ns);
		return err;
	}
	*out = ns;
	return 0;
}

int nsr_ns_hold(nsr_ns *ns, pid_t pid, nsr_error *e)
{
	char src[64];
	struct stat a, b;
	int pidfd, fd, err = 0;

	if (pid <= 0)
		return nsr_failmsg(e, -EINVAL, "namespace %s: pid %d is not a process",
				   nsr_ns_label(ns), (int)pid);
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return nsr_fail(e, -errno, "namespace %s: pid %d", nsr_ns_label(ns), (int)pid);
	snprintf(src, sizeof src, "/proc/%d/ns/net", (int)pid);
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		err = -errno;
	else if (fstat(fd, &a) < 0 || fstat(ns->fd, &b) < 0)
		err = -errno;
	else if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		err = nsr_failmsg(e, -ESRCH, "namespace %s: pid %d is not in it",
				  nsr_ns_label(ns), (int)pid);
	if (fd >= 0)
		close(fd);
	if (err == 0 && poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 0) != 0)
		err = -ESRCH;	/* it exited meanwhile */
	if (err < 0) {
		close(pidfd);
		return err == -ESRCH && e->msg[0] ? err :
		       nsr_fail(e, err, "namespace %s: pid %d", nsr_ns_label(ns), (int)pid);
	}
	if (ns->pidfd >= 0)
		close(ns->pidfd);
	ns->pidfd = pidfd;
	ns->pid = pid;
	return 0;
}

int nsr_ns_running(const nsr_ns *ns)
{
	if (ns->pidfd < 0)
		return -1;
	/* a pidfd reads as ready once its process has exited */
	return poll(&(struct pollfd){ .fd = ns->pidfd, .events = POLLIN }, 1, 0) == 0;
}

int nsr_ns_open_root(nsr_ns **out, nsr_error *e)
{
	nsr_ns *ns;
	int fd, err;

	if (home() < 0 || (fd = fcntl(home(), F_DUPFD_CLOEXEC, 0)) < 0)
		return nsr_fail(e, -errno, "open own network namespace");
	if (!(ns = ns_new("", fd))) {
		close(fd);
		return nsr_fail(e, -ENOMEM, "open own network namespace");
	}
	if ((err = nsr_nl_open(ns)) < 0) {
		nsr_ns_close(ns);
		return nsr_fail(e, err, "netlink socket in the host namespace");
	}
	*out = ns;
	return 0;
}

int nsr_ns_open_initial(nsr_ns **out, nsr_error *e)
{
	int fd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nsr_fail(e, -errno, "open the initial network namespace");
	if (!(*out = ns_new("", fd))) {
		close(fd);
		return nsr_fail(e, -ENOMEM, "open the initial network namespace");
	}
	return 0;
}

/* An unnamed namespace of ours, with its socket: label names it in messages. */
static int ns_unnamed(const char *label, nsr_ns **out, nsr_error *e)
{
	int fd, err = 0;

	*out = NULL;
	if (home() < 0)
		return nsr_fail(e, -errno, "open own network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return nsr_fail(e, -errno, "namespace %s: unshare", label);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(*out = ns_new(label, fd))) {
		err = nsr_fail(e, fd < 0 ? -errno : -ENOMEM, "namespace %s", label);
		if (fd >= 0)
			close(fd);
	} else {
		(*out)->fresh = 1;
		(*out)->next_ifindex = 2;
		if ((err = nsr_nl_open(*out)) < 0)
			nsr_fail(e, err, "netlink socket in %s", label);
	}
	if (setns(home(), CLONE_NEWNET) < 0 && err == 0)
		err = nsr_fail(e, -errno, "return to own network namespace");
	if (err < 0) {
		nsr_ns_close(*out);
		*out = NULL;
	}
	return err;
}

/* A socket in ns that hears its links come and go (RTNLGRP_LINK). */
static int link_listener(nsr_ns *ns, nsr_error *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd, err;

	if ((err = nsr_ns_enter(ns, e)) < 0)
		return err;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		err = nsr_fail(e, -errno, "netlink listener in %s", nsr_ns_label(ns));
		if (fd >= 0)
			close(fd);
		fd = err;
	}
	if (nsr_ns_leave(fd < 0 ? NULL : e) < 0 && fd >= 0) {
		close(fd);
		fd = e->code;
	}
	return fd;
}

/* Read what fd has heard: 1 once RTM_DELLINK of ifindex came, 0 if not yet. */
static int heard_gone(int fd, int ifindex)
{
	char buf[8192];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == RTM_DELLINK &&
			    ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index == ifindex)
				return 1;
	return 0;
}

int nsr_ns_await_freed(int timeout_ms, nsr_error *e)
{
	nsr_ns *watch = NULL, *witness = NULL;
	int fd = -1, ifindex, err, done = 0;
	struct timespec t0, now;

	if ((err = ns_unnamed("freed-watch", &watch, e)) < 0 ||
	    (fd = err = link_listener(watch, e)) < 0 ||
	    (err = ns_unnamed("freed-witness", &witness, e)) < 0 ||
	    (err = nsr_veth_add(watch, "seen", witness, "witness", NULL, NULL, e)) < 0 ||
	    (err = ifindex = nsr_ifindex(watch, "seen", e)) < 0)
		goto out;
	/* Released after every namespace released before: freed in the same
	 * batch or a later one.  Its veth goes with it, its peer too. */
	nsr_ns_close(witness);
	witness = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(done = heard_gone(fd, ifindex))) {
		int left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - t0.tv_sec) * 1000 +
					  (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, left);
	}
	/* The batch announced its devices gone while it still held rtnl_lock
	 * for the rest: a request that takes the lock returns after it. */
	if (done)
		err = nsr_link_set_up(watch, "lo", 1, e);
out:
	if (fd >= 0)
		close(fd);
	nsr_ns_close(witness);
	nsr_ns_close(watch);
	return err < 0 ? err : done;
}

int nsr_ns_delete(const char *name, int missing_ok, nsr_error *e)
{
	char path[sizeof NSR_NETNS_DIR + NSR_NAME_MAX + 1];
	int err;

	if ((err = check_name(name, e)) < 0)
		return err;
	ns_path(path, sizeof path, name);
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    !(errno == ENOENT && missing_ok))
		return nsr_fail(e, -errno, "delete namespace %s", name);
	if (unlink(path) < 0 && !(errno == ENOENT && missing_ok))
		return nsr_fail(e, -errno, "delete namespace %s", name);
	return 0;
}

/* A namespace's name goes with an unmount, and each unmount waits for an
 * RCU grace period before it returns (namespace_unlock): one after another
 * they took 0.1-0.6 ms each while the kernel frees the namespaces already
 * unnamed, 5 s for a k=32 fat-tree's 9,472.  Threads that wait at once
 * share grace periods. */
#define DELETE_THREADS 64

struct deleting {
	char *const *names;
	int n, missing_ok, failed;
	atomic_int next;
	pthread_mutex_t lock;
	nsr_error first;
};

static void *delete_some(void *arg)
{
	struct deleting *d = arg;
	nsr_error why;
	int i;

	while ((i = atomic_fetch_add(&d->next, 1)) < d->n)
		if (nsr_ns_delete(d->names[i], d->missing_ok, &why) < 0) {
			pthread_mutex_lock(&d->lock);
			if (d->failed++ == 0)
				d->first = why;
			pthread_mutex_unlock(&d->lock);
		}
	return NULL;
}

int nsr_ns_delete_many(char *const *names, int n, int missing_ok, nsr_error *e)
{
	struct deleting d = { .names = names, .n = n, .missing_ok = missing_ok,
			      .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[DELETE_THREADS];
	int started = 0;

	atomic_init(&d.next, 0);
	/* Threads only where there are enough names to share; this one works
	 * too, and alone when none can start. */
	while (started < DELETE_THREADS - 1 && started < n / 64 &&
	       pthread_create(&t[started], NULL, delete_some, &d) == 0)
		started++;
	delete_some(&d);
	while (started > 0)
		pthread_join(t[--started], NULL);
	if (d.failed)
		*e = d.first;
	return d.failed;
}

int nsr_ns_list(char ***names, int *n, nsr_error *e)
{
	int err = nsr_list_names(NSR_NETNS_DIR, 0, names, n);

	return err < 0 ? nsr_fail(e, err, "list %s", NSR_NETNS_DIR) : 0;
}

int nsr_ns_exists(const char *name)
{
	char path[sizeof NSR_NETNS_DIR + NSR_NAME_MAX + 1];
	struct stat st;

	if (nsr_name_invalid(name))
		return 0;
	ns_path(path, sizeof path, name);
	return lstat(path, &st) == 0;
}

void nsr_ifindex_remember(nsr_ns *ns, const char *ifname, int index)
{
	for (int i = 0; i < ns->nifs; i++)
		if (!strcmp(ns->ifs[i].name, ifname)) {
			ns->ifs[i].index = index;
			return;
		}
	if (ns->nifs == ns->capifs) {
		int cap = ns->capifs ? 2 * ns->capifs : 8;
		nsr_ifentry *ifs = realloc(ns->ifs, cap * sizeof *ifs);

		if (!ifs)
			return;	/* only a cache: we look it up again */
		ns->ifs = ifs;
		ns->capifs = cap;
	}
	snprintf(ns->ifs[ns->nifs].name, NSR_IFNAMSIZ, "%s", ifname);
	ns->ifs[ns->nifs++].index = index;
}

void nsr_ifindex_forget(nsr_ns *ns, const char *ifname)
{
	for (int i = 0; i < ns->nifs; i++)
		if (!strcmp(ns->ifs[i].name, ifname)) {
			ns->ifs[i] = ns->ifs[--ns->nifs];
			return;
		}
}

int nsr_ifindex(nsr_ns *ns, const char *ifname, nsr_error *e)
{
	struct rtnl_link *link;
	int index, err;

	for (int i = 0; i < ns->nifs; i++)
		if (!strcmp(ns->ifs[i].name, ifname))
			return ns->ifs[i].index;
	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	ns->nlerr = 0;
	err = rtnl_link_get_kernel(ns->sk, 0, ifname, &link);
	if (err < 0)
		return nsr_fail(e, ns->nlerr ? ns->nlerr : -ENODEV,
				"interface %s in %s", ifname, nsr_ns_label(ns));
	index = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	nsr_ifindex_remember(ns, ifname, index);
	return index;
}
