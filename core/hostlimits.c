/*
 * hostlimits.c -- host-wide settings raised for labs and put back (hostlimits.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lab.h"
#include "hostlimits.h"
#include "names.h"
#include "netns.h"
#include "sysctl.h"

/* Only these may be raised, and so put back. */
static const char *const raisable[] = {
	"net.ipv4.neigh.default.gc_thresh", "net.ipv6.neigh.default.gc_thresh", NULL
};

static int is_raisable(const char *key)
{
	for (const char *const *k = raisable; *k; k++) {
		size_t l = strlen(*k);	/* the key, then 1, 2 or 3 */

		if (!strncmp(key, *k, l) && key[l] >= '1' && key[l] <= '3' && !key[l + 1])
			return 1;
	}
	return 0;
}

/* The lock over NSR_HOST_SYSCTLS, a flock on the state directory: an fd
 * to close, or -errno. */
static int lock(nsr_error *e)
{
	int fd = nsr_state_dir(e);

	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int err = -errno;

			close(fd);
			return nsr_fail(e, err, "lock %s", NSR_STATE_DIR);
		}
	return fd;
}

/* Whether NSR_HOST_SYSCTLS keeps key already. */
static int kept(const char *key)
{
	char k[128], v[32];
	FILE *f = fopen(NSR_HOST_SYSCTLS, "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fscanf(f, "%127s %31s", k, v) == 2)
		found = !strcmp(k, key);
	fclose(f);
	return found;
}

/* key exists only in the initial namespace and nsrun runs in another: it
 * reads it there (changing it would outlast the labs this state directory
 * knows): 0 when it holds want, -ERANGE and what it is when lower, -ENOENT
 * when it cannot be read. */
static int initial_only(const char *key, long want, nsr_error *e)
{
	nsr_ns *init;
	char now[32];
	int err;

	if (nsr_ns_open_initial(&init, NULL) < 0)
		return nsr_failmsg(e, -ENOENT, "%s: not in this network namespace, and the "
				   "initial one cannot be read", key);
	err = nsr_sysctl_get(init, key, now, sizeof now, NULL);
	nsr_ns_close(init);
	if (err < 0)
		return nsr_failmsg(e, -ENOENT, "%s: not in this network namespace, and the "
				   "initial one cannot be read", key);
	if (atol(now) >= want)
		return 0;
	return nsr_failmsg(e, -ERANGE, "%s is %s in the initial network namespace", key, now);
}

int nsr_host_raise(const char *key, long want, char *old, size_t size, nsr_error *e)
{
	char now[32], value[32];
	nsr_ns *root = NULL;
	FILE *f;
	int fd, err;

	if (!is_raisable(key))
		return nsr_failmsg(e, -EINVAL, "host setting %s: not one nsrun raises", key);
	if ((err = nsr_ns_open_root(&root, e)) < 0)
		return err;
	/* only the initial namespace has it: not in another (unshare -n) */
	if ((err = nsr_sysctl_get(root, key, now, sizeof now, NULL)) < 0 || atol(now) >= want) {
		nsr_ns_close(root);
		if (err == -ENOENT)
			return initial_only(key, want, e);
		return err < 0 ? nsr_fail(e, err, "sysctl %s", key) : 0;
	}
	if ((fd = lock(e)) < 0) {
		nsr_ns_close(root);
		return fd;
	}
	/* again under the lock: another nsrun may have raised it meanwhile */
	if (nsr_sysctl_get(root, key, now, sizeof now, NULL) == 0 && atol(now) >= want) {
		close(fd);
		nsr_ns_close(root);
		return 0;
	}
	err = 0;
	if (!kept(key)) {
		if (!(f = fopen(NSR_HOST_SYSCTLS, "ae")))
			err = nsr_fail(e, -errno, "%s", NSR_HOST_SYSCTLS);
		else {
			fprintf(f, "%s %s\n", key, now);
			if (fclose(f) != 0)
				err = nsr_fail(e, -EIO, "%s", NSR_HOST_SYSCTLS);
		}
	}
	snprintf(value, sizeof value, "%ld", want);
	if (err == 0)
		err = nsr_sysctl_set(root, key, value, e);
	close(fd);
	nsr_ns_close(root);
	if (err < 0)
		return err;
	snprintf(old, size, "%s", now);
	return 1;
}

void nsr_host_restore(void)
{
	char **names, key[128], value[32];
	nsr_ns *root;
	FILE *f;
	int n, fd;

	if (access(NSR_HOST_SYSCTLS, F_OK) < 0 || (fd = lock(NULL)) < 0)
		return;
	/* under the lock: a lab made meanwhile raises (and keeps) after this */
	if (nsr_lab_names(&names, &n, NULL) == 0) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (n == 0 && (f = fopen(NSR_HOST_SYSCTLS, "re"))) {
			if (nsr_ns_open_root(&root, NULL) == 0) {
				while (fscanf(f, "%127s %31s", key, value) == 2)
					if (is_raisable(key))
						nsr_sysctl_set(root, key, value, NULL);
				nsr_ns_close(root);
			}
			fclose(f);
			unlink(NSR_HOST_SYSCTLS);
		}
	}
	close(fd);
}
