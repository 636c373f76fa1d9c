#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

/* The key as a path under /proc/sys/net: "ipv4/ip_forward". */
static int key_path(const char *key, char *path, size_t size, nsr_ns *ns,
		    nsr_error *e)
{
	int slash = strchr(key, '/') != NULL, n;

	if (strncmp(key, slash ? "net/" : "net.", 4) || strstr(key, "..") ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_./-") != strlen(key) || !key[4])
		return nsr_failmsg(e, -EINVAL, "sysctl \"%s\" in %s: not a net.* key",
				   key, nsr_ns_label(ns));
	n = snprintf(path, size, "%s", key + 4);
	if (n < 0 || (size_t)n >= size)
		return nsr_failmsg(e, -EINVAL, "sysctl \"%s\": too long", key);
	if (!slash)
		for (char *c = path; *c; c++)
			if (*c == '.')
				*c = '/';
	return 0;
}

/* Open the key inside the namespace: /proc/sys/net shows the namespace of
 * the task that opens it.  Its directory is opened once per namespace and
 * kept: the lookup of "net" in /proc/sys walks one dentry per namespace on
 * the machine that looked it up (proc_sys_compare), the lookups under it
 * only that namespace's (bench/README.md). */
static int open_in(nsr_ns *ns, const char *key, int flags, nsr_error *e)
{
	char path[256];
	int fd = -1, err, saved = 0;

	if ((err = key_path(key, path, sizeof path, ns, e)) < 0 ||
	    (err = nsr_ns_enter(ns, e)) < 0)
		return err;
	if (ns->sysfd < 0)
		ns->sysfd = open("/proc/sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns->sysfd >= 0)
		fd = openat(ns->sysfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
	saved = errno;
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
