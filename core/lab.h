/*
 * lab.h -- labs on this machine: read, listed, destroyed.
 *
 * A lab is the directory /run/nsrun/LAB and its journal (journal.h), which
 * records everything the lab made.  Destroying a lab removes those objects,
 * newest first, then the directory; the journal's lock keeps it from
 * happening while the lab's builder still runs.
 */
#ifndef NSR_LAB_H
#define NSR_LAB_H

#include "journal.h"

/* Read a lab's journal: its records, who made it and whether that process
 * still runs.  -ENOENT ("no lab named X") when there is none. */
int nsr_lab_read(const char *lab, nsr_labinfo *info, nsr_error *e);

/* Whether the process that made the lab still runs (its PID and start
 * time, from /proc). */
int nsr_labinfo_alive(const nsr_labinfo *info);

/* Remove everything the lab's journal names, then the journal.  Objects
 * already gone are fine: destroy is idempotent.  A lab whose builder still
 * holds its journal is refused (-EBUSY, naming the process) unless force:
 * then the builder is ended first (SIGTERM: it tears its lab down itself;
 * SIGKILL after 5 s) and what is left is removed.  *problems counts what
 * could not be removed (the first reason in e). */
int nsr_lab_destroy(const char *lab, int force, int *problems, nsr_error *e);

/* The names of the labs under /run/nsrun, malloc'd; free each and the array. */
int nsr_lab_names(char ***names, int *n, nsr_error *e);

#endif
