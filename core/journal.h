/*
 * journal.h -- a lab's journal: everything it created, so it can always be
 * torn down.
 *
 * /run/nsrun/LAB/journal (directory 0700, root only) holds one line per
 * object, written *before* the kernel call that creates it, with one write()
 * per line on an O_APPEND file: a SIGKILL at any point leaves whole lines.
 * A creation that fails is struck out by a line "- <the same line>".
 *
 *   lab NAME PID START         who made it (the first line)
 *   ns NAME                    a namespace the lab created
 *   attach NAME                a name given to another process's namespace
 *   link NS IFNAME             a link in a namespace the lab does not own
 *                              (NS is "-" for the host's)
 *   proc PID START             a background process
 *   container NAME             a Docker container the lab creates (removed
 *                              only if it carries the label nsrun.lab=LAB)
 *
 * The process that builds a lab holds an exclusive lock (flock) on its
 * journal for as long as its journal is open: nsrun destroy does not
 * remove a lab that is still being built (core/lab.h).
 */
#ifndef NSR_JOURNAL_H
#define NSR_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define NSR_STATE_DIR "/run/nsrun"

typedef struct nsr_journal nsr_journal;

/* 0, or -EINVAL with a message when lab is not a valid lab name. */
int nsr_lab_check_name(const char *lab, nsr_error *e);

/* Open NSR_STATE_DIR (made if missing: root's, 0700): a directory fd, or
 * -errno with a message (one that says nsrun needs root, for EACCES). */
int nsr_state_dir(nsr_error *e);

/* Start a lab's journal, locked; -EEXIST when the lab exists already. */
int nsr_lab_create(const char *lab, nsr_journal **j, nsr_error *e);

/* Open an existing lab's journal to add records (a process that changes a
 * lab another built: `nsrun fail`'s flapping link), without its lock. */
int nsr_journal_open(const char *lab, nsr_journal **j, nsr_error *e);

/* Append one record (no newline, fields separated by one space). */
int nsr_journal_add(nsr_journal *j, const char *record, nsr_error *e);

/* Strike out a record whose creation failed. */
int nsr_journal_undo(nsr_journal *j, const char *record, nsr_error *e);

/* The lab's directory, for logs of its processes. */
const char *nsr_journal_dir(const nsr_journal *j);

/* Close the journal, which releases its lock. */
void nsr_journal_close(nsr_journal *j);

/* What a journal holds, records struck out already removed. */
typedef struct nsr_record {
	char kind[12];
	char arg[3][72];
	int nargs;
} nsr_record;

typedef struct nsr_labinfo {
	char name[72];
	pid_t pid;		/* who made it */
	unsigned long long start;	/* its start time (proc.h) */
	int alive;		/* that process still runs (nsr_lab_read) */
	int namespaces;		/* ns and attach records */
	int objects;		/* all records */
	int bad;		/* lines that could not be read */
	nsr_record *rec;
	int nrec;
} nsr_labinfo;

/* Parse a journal's text (of a file, or given for tests and fuzzing); only
 * the text: alive is left 0. */
int nsr_journal_parse(const char *text, size_t len, nsr_labinfo *info);
void nsr_labinfo_free(nsr_labinfo *info);

#endif
