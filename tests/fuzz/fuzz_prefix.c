/*
 * libFuzzer target: the address/prefix parser and the name validators.
 * Every input must parse or be refused without a crash; what parses must
 * format and parse again to the same prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[80];
	const char *why;
	nsr_prefix p, q;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	nsr_ifname_invalid(s);
	nsr_name_invalid(s);
	static const int wants[] = { 0, AF_INET, AF_INET6 };

	for (size_t w = 0; w < sizeof wants / sizeof *wants; w++) {
		if (nsr_prefix_parse(s, wants[w], &p, &why) == 0) {
			nsr_prefix_format(&p, buf, sizeof buf);
			if (nsr_prefix_parse(buf, 0, &q, &why) != 0 || q.family != p.family ||
			    q.len != p.len || memcmp(q.addr, p.addr, 16))
				abort();
			nsr_prefix_is_network(&p);
			nsr_prefix_mask(&p);
			if (!nsr_prefix_is_network(&p))
				abort();
		}
	}
	free(s);
	return 0;
}
