/*
 * sysctl.h -- per-namespace network sysctls (/proc/sys/net/...).
 */
#ifndef NSR_SYSCTL_H
#define NSR_SYSCTL_H

#include <stddef.h>

#include "netns.h"

/* key: "net.ipv4.ip_forward" or "net/ipv4/conf/eth0.10/rp_filter".  Only
 * net.* keys: those are the ones each namespace has of its own. */
int nsr_sysctl_set(nsr_ns *ns, const char *key, const char *value, nsr_error *e);
int nsr_sysctl_get(nsr_ns *ns, const char *key, char *buf, size_t size,
		   nsr_error *e);

#endif
