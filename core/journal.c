/*
 * journal.c -- a lab's journal: written ahead of each object, locked while
 * its lab is built, and parsed (journal.h).  The parser reads only the text
 * it is given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "names.h"
#include "proc.h"

struct nsr_journal {
	int fd;
	char dir[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 2];
};

int nsr_lab_check_name(const char *lab, nsr_error *e)
{
	const char *why = nsr_name_invalid(lab);

	if (why)
		return nsr_failmsg(e, -EINVAL, "lab name \"%s\": %s", lab, why);
	return 0;
}

int nsr_state_dir(nsr_error *e)
{
	struct stat st;
	int fd;

	if (mkdir(NSR_STATE_DIR, 0700) < 0 && errno != EEXIST) {
		if (errno == EACCES || errno == EPERM)
			return nsr_failmsg(e, -errno, "nsrun needs root (CAP_SYS_ADMIN and "
					   "CAP_NET_ADMIN) to make namespaces: run it with sudo");
		return nsr_fail(e, -errno, "create %s", NSR_STATE_DIR);
	}
	fd = open(NSR_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			return nsr_failmsg(e, -errno, "nsrun needs root (CAP_SYS_ADMIN and "
					   "CAP_NET_ADMIN) to make namespaces: run it with sudo");
		return nsr_fail(e, -errno, "open %s", NSR_STATE_DIR);
	}
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

int nsr_journal_open(const char *lab, nsr_journal **out, nsr_error *e)
{
	char path[sizeof NSR_STATE_DIR + NSR_NAME_MAX + 16];
	nsr_journal *j;
	int err;

	if ((err = nsr_lab_check_name(lab, e)) < 0)
		return err;
	if (!(j = calloc(1, sizeof *j)))
		return nsr_fail(e, -ENOMEM, "lab %s", lab);
	snprintf(j->dir, sizeof j->dir, "%s/%s", NSR_STATE_DIR, lab);
	snprintf(path, sizeof path, "%s/journal", j->dir);
	if ((j->fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err = -errno;
		free(j);
		if (err == -ENOENT)
			return nsr_failmsg(e, err, "no lab %s (`nsrun list` shows the labs)", lab);
		return nsr_fail(e, err, "journal of lab %s", lab);
	}
	*out = j;
	return 0;
}

int nsr_lab_create(const char *lab, nsr_journal **out, nsr_error *e)
{
	unsigned long long start = 0;
	nsr_journal *j;
	char head[160];
	int dfd, ldfd, err;

	if ((err = nsr_lab_check_name(lab, e)) < 0 || (dfd = nsr_state_dir(e)) < 0)
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
	err = ldfd < 0 ? -errno : 0;
	close(dfd);
	if (!(j = calloc(1, sizeof *j))) {
		if (ldfd >= 0)
			close(ldfd);
		return nsr_fail(e, -ENOMEM, "lab %s", lab);
	}
	snprintf(j->dir, sizeof j->dir, "%s/%s", NSR_STATE_DIR, lab);
	j->fd = -1;
	if (ldfd >= 0) {
		j->fd = openat(ldfd, "journal", O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
			       O_NOFOLLOW | O_CLOEXEC, 0600);
		err = j->fd < 0 ? -errno : 0;
		close(ldfd);
	}
	/* Locked while this process builds the lab: nsrun destroy waits for
	 * it, or ends it (--force), rather than remove a lab under it.  No
	 * other process has the file yet: the lock is ours at once. */
	if (err == 0 && flock(j->fd, LOCK_EX | LOCK_NB) < 0)
		err = -errno;
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
		close(j->fd);	/* and the lock with it */
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
			info->start = strtoull(r.arg[2], NULL, 10);
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

