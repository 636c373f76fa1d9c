#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker.h"
#include "lab.h"
#include "sysctl.h"
#include "link.h"
#include "names.h"
#include "netns.h"
#include "proc.h"

struct nsr_journal {
	int fd;
	char dir[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 2];
};

static int check_lab(const char *lab, nsr_error *e)
{
	const char *why = nsr_name_invalid(lab);

	if (why)
		return nsr_failmsg(e, -EINVAL, "lab name \"%s\": %s", lab, why);
	return 0;
}

/* /run/nsrun: a real directory, root's, 0700. */
static int state_dir(nsr_error *e)
{
	struct stat st;
	int fd;

	if (mkdir(NSR_STATE_DIR, 0700) < 0 && errno != EEXIST)
		return nsr_fail(e, -errno, "create %s", NSR_STATE_DIR);
	fd = open(NSR_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return nsr_fail(e, -errno, "open %s", NSR_STATE_DIR);
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return nsr_failmsg(e, -EPERM, "%s must be a directory of root's, mode 0700",
				   NSR_STATE_DIR);
	}
	return fd;
}

static int write_line(int fd, const char *prefix, const char *record)
{
	char line[512];
	int n = snprintf(line, sizeof line, "%s%s\n", prefix, record);

	if (n < 0 || (size_t)n >= sizeof line || strchr(record, '\n'))
		return -EINVAL;
	/* One write() per line: a kill leaves whole lines or none. */
	if (write(fd, line, n) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int nsr_lab_create(const char *lab, nsr_journal **out, nsr_error *e)
{
	unsigned long long start = 0;
	nsr_journal *j;
	char head[160];
	int dfd, ldfd, err;

	if ((err = check_lab(lab, e)) < 0 || (dfd = state_dir(e)) < 0)
		return err < 0 ? err : dfd;
	if (mkdirat(dfd, lab, 0700) < 0) {
		err = -errno;
		close(dfd);
		if (err == -EEXIST)
			return nsr_failmsg(e, err, "lab %s exists already "
					   "(`nsrun destroy %s` removes it)", lab, lab);
		return nsr_fail(e, err, "lab %s", lab);
	}
	ldfd = openat(dfd, lab, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (!(j = calloc(1, sizeof *j))) {
		if (ldfd >= 0)
			close(ldfd);
		return nsr_fail(e, -ENOMEM, "lab %s", lab);
	}
	snprintf(j->dir, sizeof j->dir, "%s/%s", NSR_STATE_DIR, lab);
	j->fd = ldfd < 0 ? -1 : openat(ldfd, "journal", O_WRONLY | O_CREAT | O_EXCL |
				       O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	err = j->fd < 0 ? -errno : 0;
	if (ldfd >= 0)
		close(ldfd);
	nsr_proc_start(getpid(), &start);
	snprintf(head, sizeof head, "lab %s %d %llu", lab, (int)getpid(), start);
	if (err == 0)
		err = write_line(j->fd, "", head);
	if (err < 0) {
		char path[sizeof j->dir + 8];

		snprintf(path, sizeof path, "%s/journal", j->dir);
		unlink(path);
		rmdir(j->dir);
		nsr_journal_close(j);
		return nsr_fail(e, err, "journal of lab %s", lab);
	}
	*out = j;
	return 0;
}

int nsr_journal_add(nsr_journal *j, const char *record, nsr_error *e)
{
	int err = write_line(j->fd, "", record);

	return err < 0 ? nsr_fail(e, err, "journal %s: record \"%s\"", j->dir, record) : 0;
}

int nsr_journal_undo(nsr_journal *j, const char *record, nsr_error *e)
{
	int err = write_line(j->fd, "- ", record);

	return err < 0 ? nsr_fail(e, err, "journal %s: undo \"%s\"", j->dir, record) : 0;
}

const char *nsr_journal_dir(const nsr_journal *j)
{
	return j->dir;
}

void nsr_journal_close(nsr_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

static int is_number(const char *s)
{
	if (!*s || strlen(s) > 20)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A PID the kernel can give: 2..4194304 (PID_MAX_LIMIT); never 0, 1 or a
 * number that a cast would turn into one. */
static int is_pid(const char *s)
{
	return is_number(s) && strlen(s) <= 7 && atol(s) > 1 && atol(s) <= 4194304;
}

/* A record's fields must be what its kind says: names that are valid names,
 * numbers that are numbers. */
static int record_valid(const nsr_record *r)
{
	const char *k = r->kind;

	if (!strcmp(k, "lab"))
		return r->nargs == 3 && !nsr_name_invalid(r->arg[0]) &&
		       is_pid(r->arg[1]) && is_number(r->arg[2]);
	if (!strcmp(k, "ns") || !strcmp(k, "attach") || !strcmp(k, "container"))
		return r->nargs == 1 && !nsr_name_invalid(r->arg[0]);
	if (!strcmp(k, "link"))
		return r->nargs == 2 &&
		       (!strcmp(r->arg[0], "-") || !nsr_name_invalid(r->arg[0])) &&
		       !nsr_ifname_invalid(r->arg[1]);
	if (!strcmp(k, "proc"))
		return r->nargs == 2 && is_pid(r->arg[0]) && is_number(r->arg[1]);
	return 0;
}

static int parse_record(const char *line, size_t len, nsr_record *r)
{
	size_t i = 0;
	int field = 0;

	memset(r, 0, sizeof *r);
	while (i < len) {
		size_t start = i, n;
		char *dst;
		size_t cap;

		while (i < len && line[i] != ' ')
			i++;
		n = i - start;
		if (n == 0 || field > 3)
			return -1;
		dst = field == 0 ? r->kind : r->arg[field - 1];
		cap = field == 0 ? sizeof r->kind : sizeof r->arg[0];
		if (n >= cap)
			return -1;
		memcpy(dst, line + start, n);
		dst[n] = 0;
		field++;
		if (i < len)
			i++;	/* the one space */
		if (i == len && line[len - 1] == ' ')
			return -1;
	}
	r->nargs = field - 1;
	return field > 0 && record_valid(r) ? 0 : -1;
}

static int same_record(const nsr_record *a, const nsr_record *b)
{
	if (strcmp(a->kind, b->kind) || a->nargs != b->nargs)
		return 0;
	for (int i = 0; i < a->nargs; i++)
		if (strcmp(a->arg[i], b->arg[i]))
			return 0;
	return 1;
}

int nsr_journal_parse(const char *text, size_t len, nsr_labinfo *info)
{
	size_t pos = 0;

	memset(info, 0, sizeof *info);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *line = text + pos;
		int undo = n > 2 && line[0] == '-' && line[1] == ' ';
		nsr_record r;

		pos += n + (nl != NULL);
		if (!nl || memchr(line, 0, n) ||
		    parse_record(line + 2 * undo, n - 2 * undo, &r) < 0) {
			info->bad++;	/* a torn or corrupt line */
			continue;
		}
		if (undo) {
			for (int i = info->nrec - 1; i >= 0; i--)
				if (same_record(&info->rec[i], &r)) {
					/* keep the order: teardown runs it backwards */
					memmove(&info->rec[i], &info->rec[i + 1],
						(--info->nrec - i) * sizeof r);
					break;
				}
			continue;
		}
		if (!strcmp(r.kind, "lab")) {
			if (info->name[0]) {
				info->bad++;
				continue;
			}
			snprintf(info->name, sizeof info->name, "%s", r.arg[0]);
			info->pid = (pid_t)atoll(r.arg[1]);
			unsigned long long start, want = strtoull(r.arg[2], NULL, 10);
			info->alive = nsr_proc_start(info->pid, &start) == 0 && start == want;
			continue;
		}
		if (info->nrec % 64 == 0) {
			nsr_record *rec = realloc(info->rec, (info->nrec + 64) * sizeof *rec);

			if (!rec)
				return -ENOMEM;
			info->rec = rec;
		}
		info->rec[info->nrec++] = r;
	}
	for (int i = 0; i < info->nrec; i++)
		if (!strcmp(info->rec[i].kind, "ns") || !strcmp(info->rec[i].kind, "attach"))
			info->namespaces++;
	info->objects = info->nrec;
	return 0;
}

void nsr_labinfo_free(nsr_labinfo *info)
{
	free(info->rec);
	info->rec = NULL;
	info->nrec = 0;
}

int nsr_lab_read(const char *lab, nsr_labinfo *info, nsr_error *e)
{
	char path[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 16], *text = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, err;

	memset(info, 0, sizeof *info);
	if ((err = check_lab(lab, e)) < 0)
		return err;
	snprintf(path, sizeof path, "%s/%s/journal", NSR_STATE_DIR, lab);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? nsr_failmsg(e, -ENOENT, "no lab named %s", lab)
				       : nsr_fail(e, -errno, "journal of lab %s", lab);
	for (;;) {
		if (len == cap) {
			char *t = realloc(text, cap = cap ? 2 * cap : 65536);

			if (!t) {
				err = -ENOMEM;
				break;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		len += n;
	}
	close(fd);
	if (err == 0)
		err = nsr_journal_parse(text, len, info);
	free(text);
	if (err < 0)
		return nsr_fail(e, err, "journal of lab %s", lab);
	if (!info->name[0])
		snprintf(info->name, sizeof info->name, "%s", lab);
	return 0;
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

static void note(int *problems, nsr_error *e, int err, nsr_error *why)
{
	if (err == 0)
		return;
	if ((*problems)++ == 0)
		*e = *why;
}

/* The host-wide settings labs raised (the neighbour table's limits, which
 * lab:neighbours raises for a big lab), kept with the values they had
 * before in NSR_HOST_SYSCTLS: put back once the last lab is gone.  Only
 * those keys; a value changed since is overwritten all the same. */
static void restore_host_sysctls(void)
{
	static const char *const keys[] = {
		"net.ipv4.neigh.default.gc_thresh", "net.ipv6.neigh.default.gc_thresh", NULL
	};
	char **names, key[128], value[32];
	nsr_ns *root;
	FILE *f;
	int n;

	if (nsr_list_names(NSR_STATE_DIR, 1, &names, &n) < 0)
		return;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (n > 0 || !(f = fopen(NSR_HOST_SYSCTLS, "re")))
		return;
	if (nsr_ns_open_root(&root, NULL) == 0) {
		while (fscanf(f, "%127s %31s", key, value) == 2)
			for (const char *const *k = keys; *k; k++) {
				size_t l = strlen(*k);	/* the key, then 1, 2 or 3 */

				if (!strncmp(key, *k, l) && key[l] >= '1' && key[l] <= '3' && !key[l + 1])
					nsr_sysctl_set(root, key, value, NULL);
			}
		nsr_ns_close(root);
	}
	fclose(f);
	unlink(NSR_HOST_SYSCTLS);
}

int nsr_lab_destroy(const char *lab, int *problems, nsr_error *e)
{
	char dir[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 2];
	nsr_labinfo info;
	nsr_error why;
	DIR *d;
	int err;

	*problems = 0;
	if ((err = nsr_lab_read(lab, &info, e)) < 0)
		return err;
	/* Processes first: they may hold namespaces open. */
	for (int i = info.nrec - 1; i >= 0; i--)
		if (!strcmp(info.rec[i].kind, "proc"))
			note(problems, e, nsr_proc_end((pid_t)atoll(info.rec[i].arg[0]),
					strtoull(info.rec[i].arg[1], NULL, 10), 1000, &why), &why);
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
	for (int i = info.nrec - 1; i >= 0; i--)
		if (!strcmp(info.rec[i].kind, "ns") || !strcmp(info.rec[i].kind, "attach"))
			note(problems, e, nsr_ns_delete(info.rec[i].arg[0], 1, &why), &why);
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
	if (*problems)
		return e->code;	/* keep the journal: destroy can be run again */
	snprintf(dir, sizeof dir, "%s/%s", NSR_STATE_DIR, lab);
	if ((d = opendir(dir))) {
		struct dirent *de;

		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return nsr_fail(e, -errno, "remove %s", dir);
	restore_host_sysctls();
	return 0;
}

int nsr_lab_names(char ***names, int *n, nsr_error *e)
{
	int err = nsr_list_names(NSR_STATE_DIR, 1, names, n);

	return err < 0 ? nsr_fail(e, err, "list %s", NSR_STATE_DIR) : 0;
}
