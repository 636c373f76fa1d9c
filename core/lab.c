/*
 * lab.c -- labs on this machine: read, listed, and destroyed from their
 * journals (lab.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker.h"
#include "lab.h"
#include "hostlimits.h"
#include "link.h"
#include "names.h"
#include "netns.h"
#include "proc.h"

/* Read the journal open at fd into info. */
static int read_journal(int fd, const char *lab, nsr_labinfo *info, nsr_error *e)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int err;

	memset(info, 0, sizeof *info);
	for (;;) {
		if (len == cap) {
			char *t = realloc(text, cap = cap ? 2 * cap : 65536);

			if (!t) {
				err = -ENOMEM;
				break;
			}
			text = t;
		}
		n = pread(fd, text + len, cap - len, (off_t)len);
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	if (err == 0)
		err = nsr_journal_parse(text, len, info);
	free(text);
	if (err < 0)
		return nsr_fail(e, err, "journal of lab %s", lab);
	if (!info->name[0])
		snprintf(info->name, sizeof info->name, "%s", lab);
	info->alive = nsr_labinfo_alive(info);
	return 0;
}

int nsr_labinfo_alive(const nsr_labinfo *info)
{
	return info->pid > 1 && nsr_proc_alive(info->pid, info->start);
}

/* The lab's journal, opened for reading: an fd, or -errno. */
static int open_journal(const char *lab, nsr_error *e)
{
	char path[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 16];
	int fd, err;

	if ((err = nsr_lab_check_name(lab, e)) < 0)
		return err;
	snprintf(path, sizeof path, "%s/%s/journal", NSR_STATE_DIR, lab);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return nsr_failmsg(e, -ENOENT, "no lab named %s", lab);
		if (errno == EACCES)
			return nsr_failmsg(e, -EACCES, "lab %s: nsrun needs root to read its "
					   "journal (run it with sudo)", lab);
		return nsr_fail(e, -errno, "journal of lab %s", lab);
	}
	return fd;
}

int nsr_lab_read(const char *lab, nsr_labinfo *info, nsr_error *e)
{
	int fd = open_journal(lab, e), err;

	memset(info, 0, sizeof *info);
	if (fd < 0)
		return fd;
	err = read_journal(fd, lab, info, e);
	close(fd);
	return err;
}

/* How many of the lab's links in the host's namespace are still there. */
static int host_links(const nsr_labinfo *info)
{
	int n = 0;

	for (int i = 0; i < info->nrec; i++)
		if (!strcmp(info->rec[i].kind, "link") && !strcmp(info->rec[i].arg[0], "-") &&
		    if_nametoindex(info->rec[i].arg[1]))
			n++;
	return n;
}

/* Deleting a namespace returns at once and the kernel unregisters its
 * devices a moment later, in one batch with the host ends of their veth
 * pairs: 200 pairs in ~45 ms, where deleting the host ends one request at
 * a time costs ~17 ms each.  Wait while that batch is taking our host
 * links (the count falls), at most 5 s; stop once it has held still for
 * 50 ms. */
static void await_host_links(const nsr_labinfo *info)
{
	int left = host_links(info), still = 0;

	for (int t = 0; left > 0 && still < 5 && t < 500; t++) {
		int now;

		usleep(10000);
		now = host_links(info);
		still = now < left ? 0 : still + 1;
		left = now;
	}
}

/* Remove what is in dir, subdirectories too (a node's daemon state), not
 * following symlinks. */
static void remove_tree(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR) {
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			remove_tree(path);
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		} else
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static void note(int *problems, nsr_error *e, int err, nsr_error *why)
{
	if (err == 0)
		return;
	if ((*problems)++ == 0)
		*e = *why;
}

/* Take the journal's lock, which its builder holds while it runs.  Not
 * held: 0.  Held and not force: -EBUSY, naming the builder.  force: end
 * the builder, which tears its lab down itself, and wait (10 s at most)
 * for the lock. */
static int lock_journal(int fd, const char *lab, int force, nsr_error *e)
{
	nsr_labinfo info;
	nsr_error why;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return nsr_fail(e, -errno, "lock the journal of lab %s", lab);
	if (read_journal(fd, lab, &info, e) < 0)
		return e->code;
	nsr_labinfo_free(&info);
	if (!force) {
		if (info.alive)
			return nsr_failmsg(e, -EBUSY, "lab %s is being built by pid %d, which still "
					   "runs: wait for it to end, or `nsrun destroy --force %s` ends "
					   "it first", lab, (int)info.pid, lab);
		return nsr_failmsg(e, -EBUSY, "lab %s is locked by another process (a destroy "
				   "under way?)", lab);
	}
	if (info.alive && nsr_proc_end(info.pid, info.start, 5000, &why) < 0)
		return nsr_fail(e, why.code, "lab %s: end its builder, pid %d", lab, (int)info.pid);
	for (int t = 0; t < 1000; t++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		usleep(10000);
	}
	return nsr_failmsg(e, -EBUSY, "lab %s: its journal is still locked after 10 s", lab);
}

/* End the processes the journal records (nsr_procs_end). */
static int end_procs(const nsr_labinfo *info, nsr_error *e)
{
	pid_t *pid = calloc((size_t)info->nrec + 1, sizeof *pid);
	unsigned long long *start = calloc((size_t)info->nrec + 1, sizeof *start);
	int n = 0, err;

	if (!pid || !start) {
		free(pid);
		free(start);
		return nsr_fail(e, -ENOMEM, "end the lab's processes");
	}
	for (int i = 0; i < info->nrec; i++)
		if (!strcmp(info->rec[i].kind, "proc")) {
			pid[n] = (pid_t)atoll(info->rec[i].arg[0]);
			start[n++] = strtoull(info->rec[i].arg[1], NULL, 10);
		}
	err = nsr_procs_end(pid, start, n, 1000, e);
	free(pid);
	free(start);
	return err;
}

/* Delete the names of the namespaces the lab made or named, several at
 * once: the number that could not be (the first one's error in e). */
static int delete_namespaces(const nsr_labinfo *info, nsr_error *e)
{
	char **names = calloc((size_t)info->nrec + 1, sizeof *names);
	int n = 0, failed;

	if (!names) {
		nsr_fail(e, -ENOMEM, "delete the lab's namespaces");
		return 1;
	}
	for (int i = info->nrec - 1; i >= 0; i--)
		if (!strcmp(info->rec[i].kind, "ns") || !strcmp(info->rec[i].kind, "attach"))
			names[n++] = info->rec[i].arg[0];
	failed = nsr_ns_delete_many(names, n, 1, e);
	free(names);
	return failed;
}

int nsr_lab_destroy(const char *lab, int force, int *problems, nsr_error *e)
{
	char dir[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 2];
	nsr_labinfo info;
	nsr_error why;
	struct stat st;
	int fd, err;

	*problems = 0;
	if ((fd = open_journal(lab, e)) < 0)
		return fd;
	if ((err = lock_journal(fd, lab, force, e)) < 0) {
		close(fd);
		return err;
	}
	/* Removed meanwhile (its builder tore it down, or another destroy
	 * did): nothing is left. */
	if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
		close(fd);
		return 0;
	}
	if ((err = read_journal(fd, lab, &info, e)) < 0) {
		close(fd);
		return err;
	}
	/* Processes first, all at once: they may hold namespaces open. */
	note(problems, e, end_procs(&info, &why), &why);
	/* Links in namespaces the lab attached, while those are named. */
	for (int i = info.nrec - 1; i >= 0; i--) {
		nsr_record *r = &info.rec[i];
		nsr_ns *ns = NULL;

		if (strcmp(r->kind, "link") || !strcmp(r->arg[0], "-") || !nsr_ns_exists(r->arg[0]))
			continue;	/* the host's come last; a namespace gone took its links */
		err = nsr_ns_open(r->arg[0], &ns, &why);
		if (err == 0)
			err = nsr_link_del(ns, r->arg[1], 1, &why);
		note(problems, e, err, &why);
		nsr_ns_close(ns);
	}
	/* Containers the lab made: only those that carry its label. */
	for (int i = info.nrec - 1; i >= 0; i--) {
		nsr_container c;
		nsr_docker *d = NULL;

		if (strcmp(info.rec[i].kind, "container"))
			continue;
		err = nsr_docker_open(&d, &why);
		if (err == 0)
			err = nsr_docker_inspect(d, info.rec[i].arg[0], &c, &why);
		if (err == 0 && !strcmp(c.lab, info.name))
			err = nsr_docker_remove(d, c.id, &why);
		note(problems, e, err == -ENOENT ? 0 : err, &why);
		nsr_docker_close(d);
	}
	if ((err = delete_namespaces(&info, &why)) != 0) {
		if (*problems == 0)
			*e = why;
		*problems += err;
	}
	/* Then the host's links: the namespaces deleted take their veth pairs
	 * with them, host ends included, in one batch of the kernel's; what is
	 * left (bridges, pairs with both ends here) goes one by one. */
	await_host_links(&info);
	for (int i = info.nrec - 1; i >= 0; i--) {
		nsr_record *r = &info.rec[i];
		nsr_ns *ns = NULL;

		if (strcmp(r->kind, "link") || strcmp(r->arg[0], "-") || !if_nametoindex(r->arg[1]))
			continue;
		err = nsr_ns_open_root(&ns, &why);
		if (err == 0)
			err = nsr_link_del(ns, r->arg[1], 1, &why);
		note(problems, e, err, &why);
		nsr_ns_close(ns);
	}
	nsr_labinfo_free(&info);
	if (*problems) {
		close(fd);
		return e->code;	/* keep the journal: destroy can be run again */
	}
	snprintf(dir, sizeof dir, "%s/%s", NSR_STATE_DIR, lab);
	remove_tree(dir);
	err = rmdir(dir) < 0 && errno != ENOENT ? nsr_fail(e, -errno, "remove %s", dir) : 0;
	close(fd);	/* the lock: a destroy waiting for it finds the lab gone */
	if (err == 0)
		nsr_host_restore();
	return err;
}

int nsr_lab_names(char ***names, int *n, nsr_error *e)
{
	int err = nsr_list_names(NSR_STATE_DIR, 1, names, n);

	if (err == -EACCES)
		return nsr_failmsg(e, err, "nsrun needs root to read the labs in %s (run it with sudo)",
				   NSR_STATE_DIR);
	return err < 0 ? nsr_fail(e, err, "list %s", NSR_STATE_DIR) : 0;
}
