#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sysctl.h"

/*
 * Where the keys are: /proc/sys/net shows the namespace of the task that
 * looks it up, and that lookup walks one dentry named "net" for every
 * namespace ever looked up through the same procfs (proc_sys_compare skips
 * the other namespaces'): through /proc, a cost that grows with the
 * machine's namespaces (bench/README.md).  So nsrun looks keys up through
 * procfs instances of its own, each a detached mount (fsopen, fsmount: in
 * no mount namespace, seen by no one), replaced after RECYCLE lookups.
 * Without the new mount API (or the right to mount): /proc.
 */
#define RECYCLE 128
static int proc_mnt = -1;	/* the current instance; -2: none to be had */
static int proc_looked;		/* lookups through it */

static void fresh_proc(void)
{
	int fs, mnt = -1;

	if (proc_mnt == -2 || (proc_mnt >= 0 && proc_looked < RECYCLE))
		return;
	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (fs >= 0)
		close(fs);
	if (mnt >= 0) {
		if (proc_mnt >= 0)
			close(proc_mnt);
		proc_mnt = mnt;
		proc_looked = 0;
	} else if (proc_mnt < 0)
		proc_mnt = -2;
}

/* The key as a path from a procfs root: "sys/net/ipv4/ip_forward". */
static int key_path(const char *key, char *path, size_t size, nsr_ns *ns,
		    nsr_error *e)
{
	int slash = strchr(key, '/') != NULL, n;

	if (strncmp(key, slash ? "net/" : "net.", 4) || strstr(key, "..") ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_./-") != strlen(key) || !key[4])
		return nsr_failmsg(e, -EINVAL, "sysctl \"%s\" in %s: not a net.* key",
				   key, nsr_ns_label(ns));
	n = snprintf(path, size, "%ssys/%s", proc_mnt >= 0 ? "" : "/proc/", key);
	if (n < 0 || (size_t)n >= size)
		return nsr_failmsg(e, -EINVAL, "sysctl \"%s\": too long", key);
	if (!slash)
		for (char *c = path; *c; c++)
			if (*c == '.')
				*c = '/';
	return 0;
}

/* Open the key inside the namespace. */
static int open_in(nsr_ns *ns, const char *key, int flags, nsr_error *e)
{
	char path[256];
	int fd, err, saved;

	fresh_proc();
	if ((err = key_path(key, path, sizeof path, ns, e)) < 0)
		return err;
	if ((err = nsr_ns_enter(ns, e)) < 0)
		return err;
	fd = openat(proc_mnt >= 0 ? proc_mnt : AT_FDCWD, path, flags | O_CLOEXEC | O_NOFOLLOW);
	saved = errno;
	proc_looked++;
	if ((err = nsr_ns_leave(e)) < 0) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (fd < 0)
		return nsr_fail(e, -saved, "sysctl %s in %s", key, nsr_ns_label(ns));
	return fd;
}

int nsr_sysctl_set(nsr_ns *ns, const char *key, const char *value, nsr_error *e)
{
	size_t n = strlen(value);
	int fd = open_in(ns, key, O_WRONLY, e), err = 0;

	if (fd < 0)
		return fd;
	if (write(fd, value, n) != (ssize_t)n)
		err = nsr_fail(e, -errno, "sysctl %s=%s in %s", key, value,
			       nsr_ns_label(ns));
	close(fd);
	return err;
}

int nsr_sysctl_get(nsr_ns *ns, const char *key, char *buf, size_t size,
		   nsr_error *e)
{
	int fd = open_in(ns, key, O_RDONLY, e);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int err = nsr_fail(e, -errno, "sysctl %s in %s", key, nsr_ns_label(ns));

		close(fd);
		return err;
	}
	close(fd);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	return 0;
}
