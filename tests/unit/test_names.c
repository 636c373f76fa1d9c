/*
 * test_names.c -- unit tests of core/names.c: name validation and prefixes.
 *
 * Pure functions, no kernel access, no root.  Each test walks a table of
 * inputs and expected results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Reasons, as names.c words them. */
#define R_EMPTY		"empty"
#define R_IFLONG	"longer than 15 bytes"
#define R_DOTS		"not a name"
#define R_SEP		"contains '/', ':' or whitespace"
#define R_CTRL		"contains a control character"
#define R_NLONG		"longer than 64 bytes"
#define R_START		"starts with '.' or '-'"
#define R_CHARS		"may hold only letters, digits, '_', '.' and '-'"

#define R_NOADDR	"not an address"
#define R_NOTIP		"not an IPv4 or IPv6 address"
#define R_NOT4		"not an IPv4 address"
#define R_NOT6		"not an IPv6 address"
#define R_LEN4		"prefix length is not 0..32"
#define R_LEN6		"prefix length is not 0..128"

/* 15, 16, 64 and 65 bytes. */
#define S15 "abcdefghijklmno"
#define S16 S15 "p"
#define S64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define S65 S64 "x"

struct name_case {
	const char *in;
	const char *why;	/* NULL: valid */
};

static const struct name_case ifname_cases[] = {
	{ "eth0", NULL },
	{ "a", NULL },
	{ "veth-r1.10", NULL },
	{ "br_0", NULL },
	{ "-", NULL },
	{ ".a", NULL },
	{ "...", NULL },
	{ "a..b", NULL },
	{ "eth@1", NULL },
	/* bytes >= 0x80 are not control characters */
	{ "caf\xc3\xa9", NULL },
	{ S15, NULL },
	{ "", R_EMPTY },
	{ S16, R_IFLONG },
	{ S64, R_IFLONG },
	{ ".", R_DOTS },
	{ "..", R_DOTS },
	{ "a/b", R_SEP },
	{ "/", R_SEP },
	{ "eth0:1", R_SEP },
	{ ":", R_SEP },
	{ "a b", R_SEP },
	{ " a", R_SEP },
	{ "a ", R_SEP },
	{ "a\tb", R_SEP },
	{ "a\nb", R_SEP },
	{ "a\rb", R_SEP },
	{ "a\vb", R_SEP },
	{ "a\fb", R_SEP },
	{ "a\x01", R_CTRL },
	{ "\x1f" "a", R_CTRL },
	{ "a\x1b[0m", R_CTRL },
	{ "a\x7f", R_CTRL },
	/* the length is checked before the characters */
	{ S15 "/", R_IFLONG },
};

static const struct name_case name_cases[] = {
	{ "a", NULL },
	{ "Z", NULL },
	{ "0", NULL },
	{ "_", NULL },
	{ "lab1", NULL },
	{ "A-b_c.d", NULL },
	{ "a..b", NULL },
	{ "a.", NULL },
	{ "a-", NULL },
	{ "_hidden", NULL },
	{ "9lives", NULL },
	{ S64, NULL },
	{ "", R_EMPTY },
	{ S65, R_NLONG },
	{ ".", R_START },
	{ "..", R_START },
	{ ".a", R_START },
	{ "-", R_START },
	{ "-rf", R_START },
	{ "--help", R_START },
	{ "a/b", R_CHARS },
	{ "a b", R_CHARS },
	{ "a:b", R_CHARS },
	{ "a@b", R_CHARS },
	{ "a+b", R_CHARS },
	{ "a,b", R_CHARS },
	{ "a\\b", R_CHARS },
	{ "a*", R_CHARS },
	{ "a\tb", R_CHARS },
	{ "a\nb", R_CHARS },
	{ "a\x7f", R_CHARS },
	{ "caf\xc3\xa9", R_CHARS },
	{ "x ", R_CHARS },
	/* the length and first byte are checked before the rest */
	{ S64 "/", R_NLONG },
	{ ".a/b", R_START },
};

static void check_names(const struct name_case *t, size_t n,
			const char *(*fn)(const char *), const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = fn(t[i].in);

		if (!t[i].why && got)
			fail_msg("%s \"%s\": rejected (%s), expected valid", what,
				 t[i].in, got);
		if (t[i].why && !got)
			fail_msg("%s \"%s\": accepted, expected \"%s\"", what,
				 t[i].in, t[i].why);
		if (t[i].why && strcmp(got, t[i].why))
			fail_msg("%s \"%s\": reason \"%s\", expected \"%s\"", what,
				 t[i].in, got, t[i].why);
	}
}

static void test_ifname_invalid(void **state)
{
	check_names(ifname_cases, ARRAY_SIZE(ifname_cases), nsr_ifname_invalid,
		    "ifname");
}

static void test_name_invalid(void **state)
{
	check_names(name_cases, ARRAY_SIZE(name_cases), nsr_name_invalid,
		    "name");
}

struct parse_case {
	const char *in;
	int want;		/* required family, or 0 */
	int rc;			/* 0 or -EINVAL */
	/* when rc == 0 */
	int family;
	const char *text;	/* nsr_prefix_format of the result */
	int len;
	int has_len;
	/* when rc < 0 */
	const char *why;
};

#define OK(s, w, fam, txt, l, hl) { s, w, 0, fam, txt, l, hl, NULL }
#define BAD(s, w, reason) { s, w, -EINVAL, 0, NULL, 0, 0, reason }

static const struct parse_case parse_cases[] = {
	/* IPv4 */
	OK("192.0.2.1", 0, AF_INET, "192.0.2.1/32", 32, 0),
	OK("192.0.2.0/24", 0, AF_INET, "192.0.2.0/24", 24, 1),
	OK("192.0.2.1/24", 0, AF_INET, "192.0.2.1/24", 24, 1),
	OK("10.0.0.1/0", 0, AF_INET, "10.0.0.1/0", 0, 1),
	OK("10.0.0.1/32", 0, AF_INET, "10.0.0.1/32", 32, 1),
	OK("10.0.0.1/9", 0, AF_INET, "10.0.0.1/9", 9, 1),
	OK("0.0.0.0", 0, AF_INET, "0.0.0.0/32", 32, 0),
	OK("255.255.255.255", AF_INET, AF_INET, "255.255.255.255/32", 32, 0),
	OK("198.51.100.7/30", AF_INET, AF_INET, "198.51.100.7/30", 30, 1),
	/* IPv6 */
	OK("2001:db8::1", 0, AF_INET6, "2001:db8::1/128", 128, 0),
	OK("2001:db8::/32", 0, AF_INET6, "2001:db8::/32", 32, 1),
	OK("2001:DB8::1/64", AF_INET6, AF_INET6, "2001:db8::1/64", 64, 1),
	OK("2001:0db8:0000:0000:0000:0000:0000:0001", 0, AF_INET6,
	   "2001:db8::1/128", 128, 0),
	OK("::", 0, AF_INET6, "::/128", 128, 0),
	OK("::1/128", 0, AF_INET6, "::1/128", 128, 1),
	OK("::/0", 0, AF_INET6, "::/0", 0, 1),
	OK("fe80::1/10", 0, AF_INET6, "fe80::1/10", 10, 1),
	OK("::ffff:192.0.2.1/96", 0, AF_INET6, "::ffff:192.0.2.1/96", 96, 1),
	OK("2001:db8::1/100", 0, AF_INET6, "2001:db8::1/100", 100, 1),
	/* "default" */
	OK("default", 0, AF_INET, "0.0.0.0/0", 0, 1),
	OK("default", AF_INET, AF_INET, "0.0.0.0/0", 0, 1),
	OK("default", AF_INET6, AF_INET6, "::/0", 0, 1),
	BAD("Default", 0, R_NOTIP),
	BAD("default/0", 0, R_NOTIP),
	BAD("default ", 0, R_NOTIP),
	/* not an address at all */
	BAD("", 0, R_NOADDR),
	BAD("/24", 0, R_NOADDR),
	BAD("/", 0, R_NOADDR),
	BAD("0123456789012345678901234567890123456789012345678901234567890123/8",
	    0, R_NOADDR),
	/* not an IPv4 or IPv6 address */
	BAD("1.2.3", 0, R_NOTIP),
	BAD("1.2.3.4.5", 0, R_NOTIP),
	BAD("256.1.1.1", 0, R_NOTIP),
	BAD("1.2.3.-1", 0, R_NOTIP),
	BAD("1.2.3.4x", 0, R_NOTIP),
	BAD("1.2.3.4 ", 0, R_NOTIP),
	BAD(" 1.2.3.4", 0, R_NOTIP),
	BAD("1.2.3.4\n", 0, R_NOTIP),
	BAD("::g", 0, R_NOTIP),
	BAD("2001:db8::1::2", 0, R_NOTIP),
	BAD("2001:db8:::1", 0, R_NOTIP),
	BAD("12345::", 0, R_NOTIP),
	BAD("localhost", 0, R_NOTIP),
	BAD("eth0", 0, R_NOTIP),
	BAD("fe80::1%eth0", 0, R_NOTIP),
	BAD("1.2.3.4x/24", 0, R_NOTIP),
	/* the family must be the one required */
	BAD("192.0.2.1", AF_INET6, R_NOT6),
	BAD("192.0.2.0/24", AF_INET6, R_NOT6),
	BAD("2001:db8::1", AF_INET, R_NOT4),
	BAD("::/0", AF_INET, R_NOT4),
	/* the family is checked before the length */
	BAD("2001:db8::1/999", AF_INET, R_NOT4),
	/* bad prefix lengths */
	BAD("192.0.2.0/33", 0, R_LEN4),
	BAD("192.0.2.0/128", 0, R_LEN4),
	BAD("192.0.2.0/-1", 0, R_LEN4),
	BAD("192.0.2.0/+8", 0, R_LEN4),
	BAD("192.0.2.0/01", 0, R_LEN4),
	BAD("192.0.2.0/00", 0, R_LEN4),
	BAD("192.0.2.0/abc", 0, R_LEN4),
	BAD("192.0.2.0/", 0, R_LEN4),
	BAD("192.0.2.0/24x", 0, R_LEN4),
	BAD("192.0.2.0/24 ", 0, R_LEN4),
	BAD("192.0.2.0/ 24", 0, R_LEN4),
	BAD("192.0.2.0/2.4", 0, R_LEN4),
	BAD("192.0.2.0/24/8", 0, R_LEN4),
	BAD("192.0.2.0/99999999999999999999", 0, R_LEN4),
	BAD("192.0.2.0/0x10", 0, R_LEN4),
	BAD("2001:db8::/129", 0, R_LEN6),
	BAD("2001:db8::/-1", 0, R_LEN6),
	BAD("2001:db8::/064", 0, R_LEN6),
	BAD("2001:db8::/", 0, R_LEN6),
	BAD("2001:db8::/64abc", 0, R_LEN6),
	BAD("::/1000", 0, R_LEN6),
};

static void test_prefix_parse(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *t = &parse_cases[i];
		const char *why = NULL;
		char buf[64];
		nsr_prefix p;
		int rc;

		memset(&p, 0xa5, sizeof p);
		rc = nsr_prefix_parse(t->in, t->want, &p, &why);
		if (rc != t->rc)
			fail_msg("parse \"%s\" (want %d): rc %d, expected %d (%s)",
				 t->in, t->want, rc, t->rc, why ? why : "-");
		if (rc < 0) {
			if (!why || strcmp(why, t->why))
				fail_msg("parse \"%s\": reason \"%s\", expected \"%s\"",
					 t->in, why ? why : "(null)", t->why);
			continue;
		}
		if (p.family != t->family || p.len != t->len ||
		    p.has_len != t->has_len)
			fail_msg("parse \"%s\": family %d len %d has_len %d, "
				 "expected %d %d %d", t->in, p.family, p.len,
				 p.has_len, t->family, t->len, t->has_len);
		assert_ptr_equal(nsr_prefix_format(&p, buf, sizeof buf), buf);
		if (strcmp(buf, t->text))
			fail_msg("parse \"%s\": formatted \"%s\", expected \"%s\"",
				 t->in, buf, t->text);
	}
}

/* The bytes themselves, in network order; unused bytes zeroed. */
static void test_prefix_parse_bytes(void **state)
{
	static const uint8_t v4[16] = { 192, 0, 2, 130 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0xab, 0xcd };
	static const uint8_t zero[16];
	const char *why = NULL;
	nsr_prefix p;

	memset(&p, 0xff, sizeof p);
	assert_int_equal(nsr_prefix_parse("192.0.2.130/25", 0, &p, &why), 0);
	assert_memory_equal(p.addr, v4, sizeof v4);

	memset(&p, 0xff, sizeof p);
	assert_int_equal(nsr_prefix_parse("2001:db8::abcd", 0, &p, &why), 0);
	assert_memory_equal(p.addr, v6, sizeof v6);

	memset(&p, 0xff, sizeof p);
	assert_int_equal(nsr_prefix_parse("default", AF_INET6, &p, &why), 0);
	assert_memory_equal(p.addr, zero, sizeof zero);
	assert_null(why);	/* success leaves why alone */
}

static void test_prefix_format(void **state)
{
	static const struct {
		int family;
		uint8_t addr[16];
		int len;
		const char *text;
	} t[] = {
		{ AF_INET, { 192, 0, 2, 1 }, 24, "192.0.2.1/24" },
		{ AF_INET, { 0, 0, 0, 0 }, 0, "0.0.0.0/0" },
		{ AF_INET, { 255, 255, 255, 255 }, 32, "255.255.255.255/32" },
		{ AF_INET6, { 0 }, 0, "::/0" },
		{ AF_INET6, { [15] = 1 }, 128, "::1/128" },
		{ AF_INET6, { 0xfe, 0x80, [15] = 1 }, 64, "fe80::1/64" },
		{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 1,
			      0, 0, 0, 0 }, 48, "2001:db8:1::1:0:0/48" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		nsr_prefix p = { .family = t[i].family, .len = t[i].len };

		memcpy(p.addr, t[i].addr, sizeof p.addr);
		memset(buf, 'x', sizeof buf);
		assert_ptr_equal(nsr_prefix_format(&p, buf, sizeof buf), buf);
		assert_string_equal(buf, t[i].text);
	}
}

/* A buffer too small truncates, NUL-terminated. */
static void test_prefix_format_truncates(void **state)
{
	nsr_prefix p = { .family = AF_INET, .addr = { 192, 0, 2, 0 }, .len = 24 };
	char buf[16];

	memset(buf, 'x', sizeof buf);
	assert_ptr_equal(nsr_prefix_format(&p, buf, 8), buf);
	assert_string_equal(buf, "192.0.2");
	assert_int_equal(buf[8], 'x');	/* nothing written beyond size */
}

struct net_case {
	const char *in;
	int network;		/* nsr_prefix_is_network */
	const char *masked;	/* formatted after nsr_prefix_mask */
	const char *bcast;	/* IPv4 broadcast, NULL for IPv6 */
};

static const struct net_case net_cases[] = {
	{ "192.0.2.0/24", 1, "192.0.2.0/24", "192.0.2.255" },
	{ "192.0.2.1/24", 0, "192.0.2.0/24", "192.0.2.255" },
	{ "192.0.2.255/24", 0, "192.0.2.0/24", "192.0.2.255" },
	{ "192.0.2.1", 1, "192.0.2.1/32", "192.0.2.1" },
	{ "192.0.2.1/32", 1, "192.0.2.1/32", "192.0.2.1" },
	{ "192.0.2.7/31", 0, "192.0.2.6/31", "192.0.2.7" },
	{ "192.0.2.6/31", 1, "192.0.2.6/31", "192.0.2.7" },
	{ "192.0.2.5/30", 0, "192.0.2.4/30", "192.0.2.7" },
	{ "192.0.2.129/25", 0, "192.0.2.128/25", "192.0.2.255" },
	{ "192.0.2.127/25", 0, "192.0.2.0/25", "192.0.2.127" },
	{ "172.16.5.4/12", 0, "172.16.0.0/12", "172.31.255.255" },
	{ "172.16.0.0/12", 1, "172.16.0.0/12", "172.31.255.255" },
	{ "10.1.2.3/8", 0, "10.0.0.0/8", "10.255.255.255" },
	{ "10.0.0.0/7", 1, "10.0.0.0/7", "11.255.255.255" },
	{ "11.0.0.0/7", 0, "10.0.0.0/7", "11.255.255.255" },
	{ "128.0.0.0/1", 1, "128.0.0.0/1", "255.255.255.255" },
	{ "192.0.0.0/1", 0, "128.0.0.0/1", "255.255.255.255" },
	{ "10.1.2.3/0", 0, "0.0.0.0/0", "255.255.255.255" },
	{ "0.0.0.0/0", 1, "0.0.0.0/0", "255.255.255.255" },
	{ "default", 1, "0.0.0.0/0", "255.255.255.255" },
	{ "10.0.255.0/23", 0, "10.0.254.0/23", "10.0.255.255" },
	{ "10.20.30.40/17", 0, "10.20.0.0/17", "10.20.127.255" },
	{ "2001:db8::/32", 1, "2001:db8::/32", NULL },
	{ "2001:db8::1/64", 0, "2001:db8::/64", NULL },
	{ "2001:db8::1", 1, "2001:db8::1/128", NULL },
	{ "::1/127", 0, "::/127", NULL },
	{ "::2/127", 1, "::2/127", NULL },
	{ "2001:db8:abcd:12ff::1/52", 0, "2001:db8:abcd:1000::/52", NULL },
	{ "2001:db8:abcd:1000::/52", 1, "2001:db8:abcd:1000::/52", NULL },
	{ "fe80::1:2:3:4/65", 0, "fe80::/65", NULL },
	{ "fe80::8000:0:0:1/65", 0, "fe80::8000:0:0:0/65", NULL },
	{ "ffff:ffff::/15", 0, "fffe::/15", NULL },
	{ "2001:db8::1/0", 0, "::/0", NULL },
	{ "::/0", 1, "::/0", NULL },
};

static void test_prefix_network(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_cases); i++) {
		const struct net_case *t = &net_cases[i];
		const char *why = NULL;
		char buf[64], b[INET_ADDRSTRLEN];
		uint8_t out[4];
		nsr_prefix p, q;
		int len, net;

		if (nsr_prefix_parse(t->in, 0, &p, &why) < 0)
			fail_msg("parse \"%s\": %s", t->in, why);
		len = p.len;
		net = nsr_prefix_is_network(&p);
		if (net != t->network)
			fail_msg("is_network \"%s\": %d, expected %d", t->in, net,
				 t->network);
		if (t->bcast) {
			memset(out, 0x5a, sizeof out);
			nsr_prefix_broadcast(&p, out);
			inet_ntop(AF_INET, out, b, sizeof b);
			if (strcmp(b, t->bcast))
				fail_msg("broadcast \"%s\": %s, expected %s",
					 t->in, b, t->bcast);
		}
		q = p;
		nsr_prefix_mask(&q);
		nsr_prefix_format(&q, buf, sizeof buf);
		if (strcmp(buf, t->masked))
			fail_msg("mask \"%s\": %s, expected %s", t->in, buf,
				 t->masked);
		assert_int_equal(q.len, len);
		assert_int_equal(q.family, p.family);
		/* a masked prefix is a network; masking again changes nothing */
		if (!nsr_prefix_is_network(&q))
			fail_msg("\"%s\" masked is not a network", t->in);
		p = q;
		nsr_prefix_mask(&q);
		assert_memory_equal(&p, &q, sizeof p);
		/* the broadcast is the same from any address of the subnet */
		if (t->bcast) {
			uint8_t out2[4];

			nsr_prefix_broadcast(&q, out2);
			assert_memory_equal(out, out2, sizeof out);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ifname_invalid),
		cmocka_unit_test(test_name_invalid),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_parse_bytes),
		cmocka_unit_test(test_prefix_format),
		cmocka_unit_test(test_prefix_format_truncates),
		cmocka_unit_test(test_prefix_network),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
