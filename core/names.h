/*
 * names.h -- validation of names and parsing of addresses and prefixes.
 *
 * Pure functions, no kernel access: unit-tested without root.  Every name is
 * validated here before a path or a netlink request is built from it.
 */
#ifndef NSR_NAMES_H
#define NSR_NAMES_H

#include <stdint.h>

#define NSR_IFNAMSIZ 16		/* IFNAMSIZ: 15 bytes and the NUL */
#define NSR_NAME_MAX 64		/* namespace and lab names */

/* Interface names: 1..15 bytes, no '/', ':', whitespace, not "." or "..".
 * Return NULL when valid, else a short reason. */
const char *nsr_ifname_invalid(const char *name);

/* Namespace and lab names: 1..64 bytes of [A-Za-z0-9_.-], not starting with
 * '.' or '-' (so never "..", never an option, always a plain file name). */
const char *nsr_name_invalid(const char *name);

/* An IPv4 or IPv6 address with an optional prefix length, or "default". */
typedef struct nsr_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; 4 bytes used for IPv4 */
	int len;		/* prefix length; the full length when absent */
	int has_len;		/* 1 when "/N" was written */
} nsr_prefix;

/* Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::1/64", "default" (0.0.0.0/0;
 * family given by want, AF_INET when want is 0).  want, when not 0, is the
 * required family.  Return 0, or -EINVAL with *why set. */
int nsr_prefix_parse(const char *s, int want, nsr_prefix *p, const char **why);

/* Format p as "addr/len" (always with the length). */
char *nsr_prefix_format(const nsr_prefix *p, char *buf, int size);

/* 1 when the bits of p beyond its length are zero (a network prefix). */
int nsr_prefix_is_network(const nsr_prefix *p);

/* Clear the bits of p beyond its length. */
void nsr_prefix_mask(nsr_prefix *p);

/* The IPv4 broadcast address of p's subnet. */
void nsr_prefix_broadcast(const nsr_prefix *p, uint8_t out[4]);

/* The entries of dir that are valid names (nsr_name_invalid), sorted,
 * malloc'd: free each and the array.  Only directories when dirs_only.
 * A missing dir is an empty list.  Return 0 or -errno. */
int nsr_list_names(const char *dir, int dirs_only, char ***names, int *n);

/* Parse "aa:bb:cc:dd:ee:ff" into mac: 0, or -EINVAL. */
int nsr_mac_parse(const char *s, unsigned char mac[6]);

#endif
