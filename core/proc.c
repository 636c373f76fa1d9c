#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "proc.h"

/* The container's root and working directory, opened before its mount
 * namespace is entered (as `nsenter --root --wd` does): a runtime that
 * confined it with chroot rather than pivot_root leaves the namespace's
 * root at the host's files.  Checked against the pidfd after opening:
 * while the process runs, its PID is its own. */
static int open_dirs(const nsr_ns *ns, int *root, int *wd)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/root", (int)ns->pid);
	*root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof path, "/proc/%d/cwd", (int)ns->pid);
	*wd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*root < 0 || *wd < 0 ||
	    poll(&(struct pollfd){ .fd = ns->pidfd, .events = POLLIN }, 1, 0) != 0)
		return -ESRCH;
	return 0;
}

/* In the child: enter ns like `ip netns exec` (iproute2 lib/namespace.c).
 * Returns -errno on failure to enter; a failure to remount /sys is not
 * fatal (the network namespace is what matters). */
static int child_enter(nsr_ns *ns, int foreground)
{
	if (ns->whole && ns->pidfd >= 0) {
		/* a container: all its namespaces, its root and working
		 * directory, as `docker exec` does.  Its PID namespace holds
		 * only for children: fork once more and pass the child's
		 * status on (not for background processes, which must stay
		 * the process that nsrun ends by PID). */
		int flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			    CLONE_NEWCGROUP | (foreground ? CLONE_NEWPID : 0);
		int root, wd;
		pid_t pid;
		int ws;

		if (open_dirs(ns, &root, &wd) < 0)
			return -ESRCH;
		if (setns(ns->pidfd, flags) < 0)
			return -errno;
		if (fchdir(root) < 0 || chroot(".") < 0 || fchdir(wd) < 0)
			return -errno;
		if (!foreground || (pid = fork()) == 0)
			return 0;
		if (pid < 0)
			return -errno;
		for (int fd = 3; fd < 1024; fd++)
			close(fd);	/* the exec-error pipe belongs to the child */
		while (waitpid(pid, &ws, 0) < 0)
			if (errno != EINTR)
				_exit(127);
		_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return -errno;
	if (ns->name[0] && unshare(CLONE_NEWNS) == 0 &&
	    mount("", "/", "none", MS_SLAVE | MS_REC, NULL) == 0) {
		if (umount2("/sys", MNT_DETACH) == 0)
			mount(ns->name, "/sys", "sysfs", 0, NULL);
		/* the node's own directories (its daemons'), in this mount
		 * namespace only: they must be there, or the command would
		 * run against the host's */
		for (int i = 0; i < ns->nbinds; i++)
			if (mount(ns->binds[i].src, ns->binds[i].dst, NULL, MS_BIND, NULL) < 0)
				return -errno;
	} else if (ns->name[0] && ns->nbinds)
		return -errno;
	if (ns->hostname[0] && (unshare(CLONE_NEWUTS) < 0 ||
				sethostname(ns->hostname, strlen(ns->hostname)) < 0))
		return -errno;
	return 0;
}

static const char *where(const nsr_ns *ns)
{
	return ns ? nsr_ns_label(ns) : "nsrun's own namespaces";
}

/* Called between the fork and the exec, with the child waiting: 0 to let
 * it go on, or -errno (and e filled) to end it. */
typedef int (*before_exec)(pid_t pid, void *arg, nsr_error *e);

/* Fork a child that enters ns (NULL: none, it runs where nsrun does) and
 * execs argv; errors before exec come back through a close-on-exec pipe.
 * fds[0..2] become the child's stdio.  With hold, the child waits for a
 * byte on a pipe before it execs, which the parent writes once hold(pid)
 * has succeeded: a process recorded before it runs, which ends unrun if
 * nsrun dies first (the pipe reads EOF). */
static int start(nsr_ns *ns, char *const argv[], const int fds[3], int foreground,
		 before_exec hold, void *arg, pid_t *pid, nsr_error *e)
{
	int rep[2], go[2] = { -1, -1 }, werr = 0, err;
	ssize_t n;

	if (pipe2(rep, O_CLOEXEC) < 0)
		return nsr_fail(e, -errno, "run %s in %s", argv[0], where(ns));
	if (hold && pipe2(go, O_CLOEXEC) < 0) {
		err = -errno;
		close(rep[0]);
		close(rep[1]);
		return nsr_fail(e, err, "run %s in %s", argv[0], where(ns));
	}
	*pid = fork();
	if (*pid < 0) {
		err = -errno;
		close(rep[0]);
		close(rep[1]);
		if (hold) {
			close(go[0]);
			close(go[1]);
		}
		return nsr_fail(e, err, "run %s in %s", argv[0], where(ns));
	}
	if (*pid == 0) {
		char byte = 0;

		if (hold) {
			close(go[1]);
			while ((n = read(go[0], &byte, 1)) < 0 && errno == EINTR)
				;
			if (n != 1 || byte != 'g')
				_exit(127);	/* the parent died before it recorded us */
		}
		err = ns ? child_enter(ns, foreground) : 0;
		for (int i = 0; i < 3 && err == 0; i++)
			if (fds[i] >= 0 && dup2(fds[i], i) < 0)
				err = -errno;
		if (err == 0) {
			signal(SIGPIPE, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGQUIT, SIG_DFL);
			execvp(argv[0], argv);
			err = -errno;
		}
		n = write(rep[1], &err, sizeof err);
		(void)n;
		_exit(127);
	}
	close(rep[1]);
	if (hold) {
		close(go[0]);
		if ((err = hold(*pid, arg, e)) < 0 || write(go[1], "g", 1) != 1) {
			if (err >= 0)
				err = nsr_fail(e, -errno, "run %s in %s", argv[0], where(ns));
			close(go[1]);	/* the child reads EOF and ends */
			close(rep[0]);
			waitpid(*pid, NULL, 0);
			return err;
		}
		close(go[1]);
	}
	while ((n = read(rep[0], &werr, sizeof werr)) < 0 && errno == EINTR)
		;
	close(rep[0]);
	if (n == sizeof werr) {
		waitpid(*pid, NULL, 0);
		return nsr_fail(e, werr, "run %s in %s", argv[0], where(ns));
	}
	return 0;
}

static int append(nsr_buf *b, const char *data, size_t n)
{
	char *p = realloc(b->data, b->len + n + 1);

	if (!p)
		return -ENOMEM;
	memcpy(p + b->len, data, n);
	b->data = p;
	b->len += n;
	p[b->len] = 0;
	return 0;
}

int nsr_run_here(nsr_ns *ns, char *const argv[], int *status, nsr_error *e)
{
	const int fds[3] = { -1, -1, -1 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	pid_t pid;
	int ws, rc;

	/* ignored from before the fork, as system(3) does: a Ctrl-C that
	 * comes at once is the command's, never nsrun's alone (the child
	 * takes the defaults back before exec) */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	if ((rc = start(ns, argv, fds, 1, NULL, NULL, &pid, e)) < 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		return rc;
	}
	while ((rc = (int)waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		rc = nsr_fail(e, -errno, "wait for %s", argv[0]);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (rc < 0)
		return rc;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

int nsr_run(nsr_ns *ns, char *const argv[], int *status, nsr_buf *out,
	    nsr_buf *err, nsr_error *e)
{
	int po[2], pe[2], fds[3], ws, rc;
	struct pollfd pf[2];
	nsr_buf *bufs[2] = { out, err };
	char chunk[8192];
	pid_t pid;

	*out = (nsr_buf){ 0 };
	*err = (nsr_buf){ 0 };
	if (append(out, "", 0) < 0 || append(err, "", 0) < 0)
		return nsr_fail(e, -ENOMEM, "run %s", argv[0]);
	if (pipe2(po, O_CLOEXEC) < 0)
		return nsr_fail(e, -errno, "run %s", argv[0]);
	if (pipe2(pe, O_CLOEXEC) < 0) {
		rc = -errno;
		close(po[0]);
		close(po[1]);
		return nsr_fail(e, rc, "run %s", argv[0]);
	}
	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[1] = po[1];
	fds[2] = pe[1];
	rc = start(ns, argv, fds, 1, NULL, NULL, &pid, e);
	close(po[1]);
	close(pe[1]);
	if (fds[0] >= 0)
		close(fds[0]);
	pf[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (rc == 0 && (pf[0].fd >= 0 || pf[1].fd >= 0)) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, chunk, sizeof chunk);
			if (n > 0)
				append(bufs[i], chunk, n);
			else if (n == 0 || errno != EINTR) {
				close(pf[i].fd);
				pf[i].fd = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	if (rc < 0)
		return rc;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return nsr_fail(e, -errno, "wait for %s", argv[0]);
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

/* Record "proc PID START" in the journal, the process waiting to exec. */
struct spawn_record {
	nsr_journal *j;
	unsigned long long start;
};

static int record(pid_t pid, void *arg, nsr_error *e)
{
	struct spawn_record *r = arg;
	char line[64];

	if (nsr_proc_start(pid, &r->start) < 0)
		r->start = 0;
	if (!r->j)
		return 0;
	snprintf(line, sizeof line, "proc %d %llu", (int)pid, r->start);
	return nsr_journal_add(r->j, line, e);
}

int nsr_spawn(nsr_ns *ns, char *const argv[], const char *logpath, nsr_journal *j,
	      pid_t *pid, unsigned long long *start_time, nsr_error *e)
{
	struct spawn_record r = { j, 0 };
	int fds[3] = { -1, -1, -1 }, rc;

	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logpath) {
		fds[1] = fds[2] = open(logpath, O_WRONLY | O_CREAT | O_APPEND |
				       O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fds[1] < 0) {
			rc = nsr_fail(e, -errno, "log %s", logpath);
			goto out;
		}
	}
	rc = start(ns, argv, fds, 0, record, &r, pid, e);
	*start_time = r.start;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

/* The state (R, S, Z, ...) and start time of pid, from /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields follow the last ')' */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || !p[2])
		return -EIO;
	*state = p[2];	/* field 3 */
	/* starttime is field 22 */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", start) != 1)
		return -EIO;
	return 0;
}

int nsr_proc_start(pid_t pid, unsigned long long *start)
{
	char state;

	return proc_stat(pid, &state, start);
}

int nsr_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	waitpid(pid, NULL, WNOHANG);	/* ours, and ended: reaped */
	return proc_stat(pid, &state, &now) == 0 && now == start && state != 'Z' && state != 'X';
}

/* Wait until every pidfd in pf reads (its process ended) or ms pass;
 * those that ended get fd -1. */
static void wait_ended(struct pollfd *pf, int n, int ms)
{
	struct timespec t0, t;
	int left = n, el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		int r;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (el >= ms)
			return;
		if ((r = poll(pf, (nfds_t)n, ms - el)) < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		left = 0;
		for (int i = 0; i < n; i++) {
			if (pf[i].fd >= 0 && pf[i].revents) {
				close(pf[i].fd);
				pf[i].fd = -1;
			}
			left += pf[i].fd >= 0;
		}
	}
}

/* At most this many pidfds open at once (well under RLIMIT_NOFILE's 1024). */
#define END_BATCH 256

int nsr_procs_end(const pid_t *pid, const unsigned long long *start, int n, int grace_ms,
		  nsr_error *e)
{
	struct pollfd pf[END_BATCH];
	pid_t who[END_BATCH];
	unsigned long long now;
	int err = 0;

	for (int at = 0; at < n; at += END_BATCH) {
		int m = 0;

		for (int i = at; i < n && i < at + END_BATCH; i++) {
			int fd;

			if (start[i] == 0 || pid[i] <= 1)
				continue;	/* gone before its start was read: not ours */
			if ((fd = (int)syscall(SYS_pidfd_open, pid[i], 0)) < 0) {
				if (errno != ESRCH && err == 0)
					err = nsr_fail(e, -errno, "process %d", (int)pid[i]);
				continue;
			}
			/* Holding the pidfd, the PID cannot be reused: check it is ours. */
			if (nsr_proc_start(pid[i], &now) < 0 || now != start[i]) {
				close(fd);
				continue;
			}
			syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
			/* a frozen one (SIGSTOP) acts on SIGTERM once continued */
			syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
			pf[m] = (struct pollfd){ .fd = fd, .events = POLLIN };
			who[m++] = pid[i];
		}
		/* all of them at once: SIGTERM, grace_ms, then SIGKILL */
		wait_ended(pf, m, grace_ms);
		for (int i = 0; i < m; i++)
			if (pf[i].fd >= 0)
				syscall(SYS_pidfd_send_signal, pf[i].fd, SIGKILL, NULL, 0);
		wait_ended(pf, m, 1000);
		for (int i = 0; i < m; i++) {
			if (pf[i].fd >= 0)
				close(pf[i].fd);
			waitpid(who[i], NULL, WNOHANG);	/* reap it if it was our child */
		}
	}
	return err;
}

int nsr_proc_signal(pid_t pid, unsigned long long start, int sig, nsr_error *e)
{
	unsigned long long now;
	int fd, err = 0;

	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return nsr_fail(e, -errno, "process %d", (int)pid);
	/* holding the pidfd, the PID cannot be reused: check it is ours */
	if (nsr_proc_start(pid, &now) < 0 || now != start)
		err = nsr_failmsg(e, -ESRCH, "process %d has ended", (int)pid);
	else if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		err = nsr_fail(e, -errno, "signal %d to process %d", sig, (int)pid);
	close(fd);
	return err;
}

int nsr_proc_end(pid_t pid, unsigned long long start, int grace_ms,
		 nsr_error *e)
{
	return nsr_procs_end(&pid, &start, 1, grace_ms, e);
}

int nsr_sock_ready(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof sa.sun_path)
		return 0;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}
