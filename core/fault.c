#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "journal.h"
#include "addr.h"
#include "link.h"
#include "nl.h"
#include "proc.h"
#include "route.h"
#include "show.h"

int nsr_nft(nsr_ns *ns, const char *cmds, char **out, nsr_error *e)
{
	struct nft_ctx *nft;
	int err, rc;

	if ((err = nsr_ns_enter(ns, e)) < 0)
		return err;
	/* the context's netlink socket opens here, inside ns */
	if (!(nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
		nsr_ns_leave(NULL);
		return nsr_fail(e, -ENOMEM, "nftables in %s", nsr_ns_label(ns));
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		const char *why = nft_ctx_get_error_buffer(nft);
		size_t n = strlen(why);

		while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
			n--;
		err = nsr_failmsg(e, -EINVAL, "nftables in %s: %.*s", nsr_ns_label(ns),
				  (int)n, n ? why : "rejected");
	} else if (out && !(*out = strdup(nft_ctx_get_output_buffer(nft)))) {
		err = nsr_fail(e, -ENOMEM, "nftables in %s", nsr_ns_label(ns));
	}
	nft_ctx_free(nft);
	if (nsr_ns_leave(err < 0 ? NULL : e) < 0 && err == 0)
		err = e->code;
	return err;
}

/* The flapping child: its own netlink sockets (the parent's are the
 * parent's to use), a loop of down and up, the ends left up. */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Close every descriptor but keep[] (and stdio, which goes to /dev/null). */
static void close_others(const int *keep, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name), mine = fd < 3 || fd == dirfd(d) || fd == null;

		for (int i = 0; i < n; i++)
			mine |= fd == keep[i];
		if (de->d_name[0] != '.' && !mine)
			close(fd);
	}
	if (d)
		closedir(d);
	if (null >= 0)
		close(null);
}

static int reconnect(nsr_ns *ns)
{
	if (!ns || setns(ns->fd, CLONE_NEWNET) < 0)
		return ns ? -errno : 0;
	return nsr_nl_open(ns);	/* the copy's socket; the parent keeps its own */
}

/* What an interface going down makes the kernel forget, kept to be put
 * back when it comes up (as lua/nsrun/fault.lua's down and up do): the
 * static routes through it, its IPv6 addresses. */
typedef struct kept {
	nsr_ns *ns;
	const char *ifname;
	nsr_routeinfo *routes;
	int nroutes;
	nsr_addrinfo *addrs;
	int naddrs;
} kept;

static int uses(const nsr_routeinfo *r, const char *ifname)
{
	if (r->proto != 3 && r->proto != 4)	/* boot, static: not a daemon's */
		return 0;
	for (int k = 0; k < r->nnh; k++)
		if (!strcmp(r->nh[k].dev, ifname))
			return 1;
	return 0;
}

static void keep(kept *k, nsr_ns *ns, const char *ifname)
{
	nsr_error e;

	*k = (kept){ .ns = ns, .ifname = ifname };
	if (!ns)
		return;
	if (nsr_show_routes(ns, &k->routes, &k->nroutes, &e) < 0)
		k->nroutes = 0;
	if (nsr_show_addrs(ns, &k->addrs, &k->naddrs, &e) < 0)
		k->naddrs = 0;
}

static void set_end(kept *k, int up)
{
	nsr_error e;

	if (!k->ns)
		return;
	nsr_link_set_up(k->ns, k->ifname, up, &e);
	if (!up)
		return;
	for (int i = 0; i < k->naddrs; i++)
		if (k->addrs[i].family == AF_INET6 && !k->addrs[i].link_local &&
		    !strcmp(k->addrs[i].ifname, k->ifname))
			nsr_addr_add(k->ns, k->ifname, k->addrs[i].cidr, &e);
	for (int i = 0; i < k->nroutes; i++) {
		nsr_routeinfo *r = &k->routes[i];
		nsr_nexthop nh[64];
		int n = 0;

		if (!uses(r, k->ifname))
			continue;
		for (int j = 0; j < r->nnh && n < 64; j++, n++)
			nh[n] = (nsr_nexthop){ r->nh[j].via[0] ? r->nh[j].via : NULL,
					       r->nh[j].dev[0] ? r->nh[j].dev : NULL, r->nh[j].weight };
		nsr_route_add(k->ns, &(nsr_route){ .dst = r->dst, .nh = nh, .nnh = n,
						   .metric = r->metric,
						   .replace = 1 }, &e);
	}
}

static int flapper(nsr_ns *a, const char *ifa, nsr_ns *b, const char *ifb, int period_ms,
		   int count)
{
	struct sigaction sa = { .sa_handler = on_term };
	kept ka, kb;

	sigset_t none;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);	/* blocked since the fork */
	prctl(PR_SET_NAME, "nsrun-flap");
	if (reconnect(a) < 0 || reconnect(b) < 0)
		return 1;
	keep(&ka, a, ifa);
	keep(&kb, b, ifb);
	for (int i = 0; !stop && (count == 0 || i < count); i++) {
		set_end(&ka, 0);
		set_end(&kb, 0);
		pause_ms(period_ms / 2);
		set_end(&ka, 1);
		set_end(&kb, 1);
		if (!stop && (count == 0 || i + 1 < count))
			pause_ms(period_ms - period_ms / 2);
	}
	set_end(&ka, 1);
	set_end(&kb, 1);
	return 0;
}

int nsr_flap(nsr_ns *a, const char *ifa, nsr_ns *b, const char *ifb, int period_ms,
	     int count, nsr_journal *j, pid_t *pid, unsigned long long *start,
	     nsr_error *e)
{
	int go[2], err = 0;
	char line[64], byte = 0;
	sigset_t all, old;
	ssize_t n;

	if (period_ms < 2 || count < 0)
		return nsr_failmsg(e, -EINVAL, "flap %s: a period of at least 2 ms, a count >= 0",
				   ifa);
	if (pipe2(go, O_CLOEXEC) < 0)
		return nsr_fail(e, -errno, "flap %s in %s", ifa, nsr_ns_label(a));
	/* no signal between the fork and the child's own handlers (nsrun's
	 * would only set a flag in a Lua state the child never runs) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if ((*pid = fork()) < 0) {
		err = -errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		close(go[0]);
		close(go[1]);
		return nsr_fail(e, err, "flap %s in %s", ifa, nsr_ns_label(a));
	}
	if (*pid == 0) {
		/* none of nsrun's descriptors but the namespaces it needs: a
		 * journal's lock or a caller's pipe must not live on in it */
		int keep[3] = { go[0], a->fd, b ? b->fd : -1 };

		close_others(keep, 3);
		nsr_nl_drop_all();	/* the parent's sockets: closed just now */
		/* recorded in the journal before it does anything */
		while ((n = read(go[0], &byte, 1)) < 0 && errno == EINTR)
			;
		if (n != 1 || byte != 'g')
			_exit(127);
		_exit(flapper(a, ifa, b, ifb, period_ms, count));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(go[0]);
	if (nsr_proc_start(*pid, start) < 0 || *start == 0)
		err = nsr_failmsg(e, -ESRCH, "flap %s in %s: the process's start time cannot be read",
				  ifa, nsr_ns_label(a));
	snprintf(line, sizeof line, "proc %d %llu", (int)*pid, *start);
	if (err < 0 || (j && (err = nsr_journal_add(j, line, e)) < 0) || write(go[1], "g", 1) != 1) {
		if (err >= 0)
			err = nsr_fail(e, -errno, "flap %s in %s", ifa, nsr_ns_label(a));
		close(go[1]);	/* the child reads EOF and ends */
		waitpid(*pid, NULL, 0);
		return err;
	}
	close(go[1]);
	return 0;
}
