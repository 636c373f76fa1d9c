/*
 * hostlimits.h -- host-wide settings a lab may outgrow (the neighbour table's
 * gc_thresh1/2/3, which count the entries of every namespace and exist only
 * in the initial one), raised for big labs and put back when the last lab
 * is gone.
 *
 * One owner, under one lock (a flock on NSR_STATE_DIR): the value a
 * key had before any lab raised it is kept in NSR_HOST_SYSCTLS ("KEY VALUE"
 * lines) the first time it is raised, and written back, and the file
 * removed, by the destroy that finds no lab left.
 */
#ifndef NSR_HOSTLIMITS_H
#define NSR_HOSTLIMITS_H

#include <stddef.h>

#include "error.h"
#include "journal.h"

#define NSR_HOST_SYSCTLS NSR_STATE_DIR "/host-sysctls"

/* Raise the host's key (a net.* sysctl of the initial namespace) to want
 * when it is lower.  Return 1 and its old value in old (size bytes) when
 * raised, 0 when it holds want already, or -errno.  In a network namespace
 * other than the initial one, where the key is not, it is read in the
 * initial namespace (PID 1's) and left as it is: 0 when it holds want,
 * -ERANGE when lower (e says what it is), -ENOENT when it cannot be read. */
int nsr_host_raise(const char *key, long want, char *old, size_t size, nsr_error *e);

/* Put back what labs raised, if no lab is left.  Best effort. */
void nsr_host_restore(void);

#endif
