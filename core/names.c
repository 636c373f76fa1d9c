#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"

const char *nsr_ifname_invalid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "empty";
	if (n >= NSR_IFNAMSIZ)
		return "longer than 15 bytes";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "not a name";
	for (const char *c = name; *c; c++) {
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return "contains '/', ':' or whitespace";
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

const char *nsr_name_invalid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "empty";
	if (n > NSR_NAME_MAX)
		return "longer than 64 bytes";
	if (name[0] == '.' || name[0] == '-')
		return "starts with '.' or '-'";
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' &&
		    *c != '-')
			return "may hold only letters, digits, '_', '.' and '-'";
	return NULL;
}

static int parse_len(const char *s, int max, int *len)
{
	int v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	*len = v;
	return 0;
}

int nsr_prefix_parse(const char *s, int want, nsr_prefix *p, const char **why)
{
	char buf[64];
	const char *slash;
	size_t alen;

	memset(p, 0, sizeof *p);
	if (want != 0 && want != AF_INET && want != AF_INET6) {
		*why = "no such address family";
		return -EINVAL;
	}
	if (!strcmp(s, "default")) {
		p->family = want ? want : AF_INET;
		p->has_len = 1;
		return 0;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof buf) {
		*why = "not an address";
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	if (want && p->family != want) {
		*why = want == AF_INET ? "not an IPv4 address"
				       : "not an IPv6 address";
		return -EINVAL;
	}
	p->len = p->family == AF_INET ? 32 : 128;
	if (slash) {
		if (parse_len(slash + 1, p->len, &p->len) < 0) {
			*why = p->family == AF_INET
				       ? "prefix length is not 0..32"
				       : "prefix length is not 0..128";
			return -EINVAL;
		}
		p->has_len = 1;
	}
	return 0;
}

char *nsr_prefix_format(const nsr_prefix *p, char *buf, int size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof a);
	snprintf(buf, size, "%s/%d", a, p->len);
	return buf;
}

static uint8_t byte_mask(int len, int i)
{
	int keep = len - 8 * i;

	return keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
}

int nsr_prefix_is_network(const nsr_prefix *p)
{
	for (int i = 0; i < (p->family == AF_INET ? 4 : 16); i++)
		if (p->addr[i] & ~byte_mask(p->len, i))
			return 0;
	return 1;
}

void nsr_prefix_mask(nsr_prefix *p)
{
	for (int i = 0; i < (p->family == AF_INET ? 4 : 16); i++)
		p->addr[i] &= byte_mask(p->len, i);
}

void nsr_prefix_broadcast(const nsr_prefix *p, uint8_t out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = p->addr[i] | (uint8_t)~byte_mask(p->len, i);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nsr_list_names(const char *dir, int dirs_only, char ***names, int *n)
{
	struct dirent *de;
	char **v = NULL, **t;
	int cap = 0, err = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (nsr_name_invalid(de->d_name) || (dirs_only && de->d_type != DT_DIR))
			continue;
		if (*n == cap) {
			if (!(t = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *t))) {
				err = -ENOMEM;
				break;
			}
			v = t;
		}
		if (!(v[*n] = strdup(de->d_name))) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	*names = v;
	return err;
}

int nsr_mac_parse(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	return 0;
}
