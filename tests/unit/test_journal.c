/*
 * test_journal.c -- unit tests of nsr_journal_parse (core/journal.c) and
 * of a lab's liveness (nsr_labinfo_alive, core/lab.c).
 *
 * The parser only reads the text it is given; liveness reads
 * /proc/PID/stat for the "lab" header's process: no root, no kernel objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "proc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REC 12

/* 15, 16, 64 and 65 bytes. */
#define S15 "abcdefghijklmno"
#define S16 S15 "p"
#define S64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define S65 S64 "x"

/* No process has this PID (above PID_MAX_LIMIT): the lab is not alive. */
#define NOPID "4194304"

struct jcase {
	const char *title;
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *name;	/* from the "lab" header, "" when none */
	long pid;
	int bad;
	int unordered;		/* records compared as a multiset */
	const char *rec[MAX_REC];	/* "kind arg...", NULL-terminated */
};

static const struct jcase cases[] = {
	{ "empty", "", 0, "", 0, 0, 0, { NULL } },
	{ "one ns", "ns a\n", 0, "", 0, 0, 0, { "ns a" } },
	{ "every kind, in order",
	  "lab mylab " NOPID " 12345\n"
	  "ns r1\n"
	  "ns r2\n"
	  "attach host1\n"
	  "link - veth0\n"
	  "link r1 eth0\n"
	  "proc 1234 5678\n",
	  0, "mylab", 4194304, 0, 0,
	  { "ns r1", "ns r2", "attach host1", "link - veth0", "link r1 eth0",
	    "proc 1234 5678" } },
	{ "names at their limits",
	  "ns " S64 "\nlink " S64 " " S15 "\nlink - " S15 "\nattach _a.b-c\n"
	  "proc 2 0\nproc 00099 18446744073709551615\n",
	  0, "", 0, 0, 0,
	  { "ns " S64, "link " S64 " " S15, "link - " S15, "attach _a.b-c",
	    "proc 2 0", "proc 00099 18446744073709551615" } },
	{ "lab name at its limit", "lab " S64 " " NOPID " 1\n", 0, S64,
	  4194304, 0, 0, { NULL } },

	/* strike-outs */
	{ "strike out", "ns a\nns b\n- ns a\n", 0, "", 0, 0, 0, { "ns b" } },
	{ "strike out the last record", "ns a\nns b\n- ns b\n", 0, "", 0, 0, 0,
	  { "ns a" } },
	{ "strike out a middle record", "ns a\nns b\nns c\nns d\n- ns b\n", 0,
	  "", 0, 0, 1, { "ns a", "ns c", "ns d" } },
	{ "strike out one of two identical", "ns a\nns a\n- ns a\n", 0, "", 0,
	  0, 0, { "ns a" } },
	{ "strike out the latest of two identical",
	  "ns a\nns a\nns b\n- ns a\n", 0, "", 0, 0, 0, { "ns a", "ns b" } },
	{ "strike out twice", "ns a\nns a\n- ns a\n- ns a\n", 0, "", 0, 0, 0,
	  { NULL } },
	{ "strike out more than written", "ns a\n- ns a\n- ns a\n", 0, "", 0, 0,
	  0, { NULL } },
	{ "strike out strikes only earlier records", "- ns a\nns a\n", 0, "", 0,
	  0, 0, { "ns a" } },
	{ "created again after a strike-out", "ns a\n- ns a\nns a\n", 0, "", 0,
	  0, 0, { "ns a" } },
	{ "strike out every kind",
	  "ns a\nattach b\nlink - v0\nlink a v1\nproc 100 200\n"
	  "- proc 100 200\n- link a v1\n- link - v0\n- attach b\n- ns a\n",
	  0, "", 0, 0, 0, { NULL } },
	{ "strike out matches kind and every field",
	  "link r1 eth0\nns r1\nproc 10 20\n"
	  "- link r2 eth0\n- link r1 eth1\n- link - eth0\n- attach r1\n"
	  "- ns r2\n- proc 10 21\n- proc 11 20\n",
	  0, "", 0, 0, 0, { "link r1 eth0", "ns r1", "proc 10 20" } },
	{ "strike out of the header leaves it",
	  "lab x " NOPID " 1\n- lab x " NOPID " 1\nns a\n", 0, "x", 4194304,
	  0, 0, { "ns a" } },

	/* the lab header */
	{ "second header", "lab one " NOPID " 1\nlab two " NOPID " 2\nns a\n",
	  0, "one", 4194304, 1, 0, { "ns a" } },
	{ "header after records", "ns a\nlab late " NOPID " 7\n", 0, "late",
	  4194304, 0, 0, { "ns a" } },
	{ "bad header", "lab .x " NOPID " 1\nns a\n", 0, "", 0, 1, 0,
	  { "ns a" } },

	/* torn and corrupt lines */
	{ "torn last line", "ns a\nns b", 0, "", 0, 1, 0, { "ns a" } },
	{ "torn only line", "ns a", 0, "", 0, 1, 0, { NULL } },
	{ "torn strike-out", "ns a\n- ns a", 0, "", 0, 1, 0, { "ns a" } },
	{ "torn header", "lab x " NOPID " 1", 0, "", 0, 1, 0, { NULL } },
	{ "empty lines", "\nns a\n\n\nns b\n", 0, "", 0, 3, 0,
	  { "ns a", "ns b" } },
	{ "CRLF", "ns a\r\nns b\r\nns c\n", 0, "", 0, 2, 0, { "ns c" } },
	{ "NUL in a line", "ns a\nns \0b\nns c\n", 16, "", 0, 1, 0,
	  { "ns a", "ns c" } },
	{ "NUL at the end of a line", "ns a\0\nns c\n", 11, "", 0, 1, 0,
	  { "ns c" } },
	{ "NUL as a line", "\0\nns c\n", 7, "", 0, 1, 0, { "ns c" } },
	{ "NUL in a torn line", "ns a\nns b\0", 10, "", 0, 1, 0, { "ns a" } },
	{ "only what len says", "ns a\nns b\n", 5, "", 0, 0, 0, { "ns a" } },
	{ "len cuts a line", "ns a\nns b\n", 7, "", 0, 1, 0, { "ns a" } },
	{ "mixed", "lab m " NOPID " 3\nns a\nns  b\nbogus c\nlink a e0\n"
	  "- link a e0\nlink a e1\nproc 1 2\nattach z\nns",
	  0, "m", 4194304, 4, 0, { "ns a", "link a e1", "attach z" } },
};

/* "kind arg0 arg1" */
static void join(const nsr_record *r, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s", r->kind);

	for (int i = 0; i < r->nargs && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " %s", r->arg[i]);
}

static int count(const char *const *rec)
{
	int n = 0;

	while (n < MAX_REC && rec[n])
		n++;
	return n;
}

static int is_ns(const char *rec)
{
	return !strncmp(rec, "ns ", 3) || !strncmp(rec, "attach ", 7);
}

static void check_records(const char *title, const nsr_labinfo *info,
			  const char *const *want, int nwant, int unordered)
{
	char got[4 * 80];
	int used[MAX_REC] = { 0 };

	if (info->nrec != nwant)
		fail_msg("%s: %d records, expected %d", title, info->nrec,
			 nwant);
	if (nwant)
		assert_non_null(info->rec);
	for (int i = 0; i < nwant; i++) {
		int j;

		if (!unordered) {
			join(&info->rec[i], got, sizeof got);
			if (strcmp(got, want[i]))
				fail_msg("%s: record %d is \"%s\", expected \"%s\"",
					 title, i, got, want[i]);
			continue;
		}
		for (j = 0; j < info->nrec; j++) {
			join(&info->rec[j], got, sizeof got);
			if (!used[j] && !strcmp(got, want[i]))
				break;
		}
		if (j == info->nrec)
			fail_msg("%s: no record \"%s\"", title, want[i]);
		used[j] = 1;
	}
}

static void test_journal_cases(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct jcase *t = &cases[i];
		size_t len = t->len ? t->len : strlen(t->text);
		int nwant = count(t->rec), nns = 0;
		nsr_labinfo info;

		for (int k = 0; k < nwant; k++)
			nns += is_ns(t->rec[k]);
		memset(&info, 0x5a, sizeof info);
		assert_int_equal(nsr_journal_parse(t->text, len, &info), 0);
		if (strcmp(info.name, t->name))
			fail_msg("%s: name \"%s\", expected \"%s\"", t->title,
				 info.name, t->name);
		if (info.pid != (pid_t)t->pid)
			fail_msg("%s: pid %ld, expected %ld", t->title,
				 (long)info.pid, t->pid);
		if (info.alive)
			fail_msg("%s: alive, expected not", t->title);
		if (info.bad != t->bad)
			fail_msg("%s: %d bad lines, expected %d", t->title,
				 info.bad, t->bad);
		check_records(t->title, &info, t->rec, nwant, t->unordered);
		if (info.objects != nwant || info.namespaces != nns)
			fail_msg("%s: %d objects %d namespaces, expected %d %d",
				 t->title, info.objects, info.namespaces, nwant,
				 nns);
		nsr_labinfo_free(&info);
		assert_null(info.rec);
		assert_int_equal(info.nrec, 0);
	}
}

/* Each line is bad on its own; the good line after it is still read. */
struct bad_line {
	const char *line;
	size_t len;
};

/* The length from sizeof: a line may hold NUL bytes. */
#define B(s) { s, sizeof(s) - 1 }

static const struct bad_line bad_lines[] = {
	/* spacing */
	B("ns  a"), B(" ns a"), B("ns a "), B("ns "), B(" "), B("  "),
	B("ns\ta"), B("link  - eth0"), B("link -  eth0"), B("link - eth0 "),
	B("proc 12  34"),
	/* wrong number of fields */
	B("ns"), B("ns a b"), B("attach"), B("attach a b"), B("link a"),
	B("link -"), B("link a eth0 x"), B("link a b c d"), B("proc 12"),
	B("proc 12 34 56"), B("lab"), B("lab a 1"), B("lab a 1 2 3"),
	B("a b c d e"),
	/* bad names */
	B("ns ."), B("ns .."), B("ns .a"), B("ns -a"), B("ns -"),
	B("ns a/b"), B("ns a:b"), B("ns " S65), B("ns a\r"),
	B("ns caf\xc3\xa9"), B("attach -x"), B("attach ../x"),
	B("link -x eth0"), B("link . eth0"), B("link " S65 " eth0"),
	B("link a eth0:1"), B("link a " S16), B("link a ."), B("link a .."),
	B("link a a/b"), B("link - \x01"), B("lab .a " NOPID " 1"),
	B("lab a/b " NOPID " 1"),
	/* bad numbers */
	B("proc 1 5"), B("proc 0 5"), B("proc 01 5"), B("proc 00 5"),
	B("proc -5 5"), B("proc +5 5"), B("proc x1 5"), B("proc 12 ab"),
	B("proc 12 -1"), B("proc 12 0x10"),
	B("proc 123456789012345678901 5"), B("proc 12 123456789012345678901"),
	B("lab a x 2"), B("lab a 1 -2"), B("lab a 1 2x"),
	B("lab a 123456789012345678901 1"),
	/* unknown kinds */
	B("NS a"), B("Ns a"), B("namespace a"), B("attachment a"),
	B("bogus x"), B("# comment"), B("x"),
	/* malformed strike-outs */
	B("-"), B("- "), B("-ns a"), B("--ns a"), B("- - ns a"),
	B("-  ns a"), B(" - ns a"), B("- ns"), B("- ns .."),
	B("- bogus x"), B("- ns a "),
	/* NUL bytes */
	B("\0"), B("ns a\0"), B("ns \0a"), B("ns a\0b"),
	B("\0ns a"), B("- ns a\0"),
};

static void test_journal_bad_lines(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
		const struct bad_line *t = &bad_lines[i];
		size_t n = t->len;
		char text[256];
		nsr_labinfo info;

		assert_true(n + 12 < sizeof text);
		memcpy(text, t->line, n);
		memcpy(text + n, "\nns ok\n", 7);
		assert_int_equal(nsr_journal_parse(text, n + 7, &info), 0);
		if (info.bad != 1 || info.nrec != 1 || info.name[0])
			fail_msg("line %zu \"%.*s\": %d bad, %d records, name \"%s\"; "
				 "expected 1 bad, 1 record, no name", i, (int)n,
				 t->line, info.bad, info.nrec, info.name);
		assert_string_equal(info.rec[0].kind, "ns");
		assert_int_equal(info.rec[0].nargs, 1);
		assert_string_equal(info.rec[0].arg[0], "ok");
		assert_int_equal(info.namespaces, 1);
		assert_int_equal(info.objects, 1);
		nsr_labinfo_free(&info);
	}
}

/* A record's fields land in kind and arg[], nargs counts the args. */
static void test_journal_fields(void **state)
{
	static const char text[] = "link - veth0\nproc 4321 99\nattach h\n";
	nsr_labinfo info;

	assert_int_equal(nsr_journal_parse(text, sizeof text - 1, &info), 0);
	assert_int_equal(info.nrec, 3);
	assert_string_equal(info.rec[0].kind, "link");
	assert_int_equal(info.rec[0].nargs, 2);
	assert_string_equal(info.rec[0].arg[0], "-");
	assert_string_equal(info.rec[0].arg[1], "veth0");
	assert_string_equal(info.rec[0].arg[2], "");
	assert_string_equal(info.rec[1].kind, "proc");
	assert_int_equal(info.rec[1].nargs, 2);
	assert_string_equal(info.rec[1].arg[0], "4321");
	assert_string_equal(info.rec[1].arg[1], "99");
	assert_string_equal(info.rec[2].kind, "attach");
	assert_int_equal(info.rec[2].nargs, 1);
	assert_string_equal(info.rec[2].arg[0], "h");
	assert_int_equal(info.namespaces, 1);
	assert_int_equal(info.objects, 3);
	nsr_labinfo_free(&info);
}

/* The header's process: alive only when its PID and start time match; the
 * parser itself never says so (it reads only the text). */
static void test_journal_alive(void **state)
{
	unsigned long long start;
	pid_t self = getpid();
	struct {
		long pid;
		unsigned long long start;
		int alive;
	} t[3];
	char text[128];

	assert_int_equal(nsr_proc_start(self, &start), 0);
	t[0].pid = self, t[0].start = start, t[0].alive = 1;
	t[1].pid = self, t[1].start = start + 1, t[1].alive = 0;
	t[2].pid = 4194304, t[2].start = start, t[2].alive = 0;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		nsr_labinfo info;
		int n = snprintf(text, sizeof text, "lab me %ld %llu\nns a\n",
				 t[i].pid, t[i].start);

		assert_int_equal(nsr_journal_parse(text, (size_t)n, &info), 0);
		assert_string_equal(info.name, "me");
		assert_int_equal(info.pid, t[i].pid);
		assert_int_equal(info.alive, 0);
		if (nsr_labinfo_alive(&info) != t[i].alive)
			fail_msg("lab me %ld %llu: alive %d, expected %d", t[i].pid,
				 t[i].start, nsr_labinfo_alive(&info), t[i].alive);
		assert_int_equal(info.bad, 0);
		assert_int_equal(info.nrec, 1);
		/* the header is not a record */
		assert_int_equal(info.objects, 1);
		nsr_labinfo_free(&info);
	}
}

/* More records than one allocation step; then strike out a third. */
static void test_journal_many(void **state)
{
	enum { N = 1000 };
	size_t cap = N * 32, len = 0;
	char *text = malloc(cap);
	int seen[N] = { 0 };
	nsr_labinfo info;

	assert_non_null(text);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s n%d\n",
					i % 2 ? "attach" : "ns", i);
	for (int i = 0; i < N; i += 3)
		len += (size_t)snprintf(text + len, cap - len, "- %s n%d\n",
					i % 2 ? "attach" : "ns", i);
	len += (size_t)snprintf(text + len, cap - len, "link - v%d\n", N);
	assert_true(len < cap);

	assert_int_equal(nsr_journal_parse(text, len, &info), 0);
	assert_int_equal(info.bad, 0);
	assert_int_equal(info.nrec, N - (N + 2) / 3 + 1);
	assert_int_equal(info.objects, info.nrec);
	assert_int_equal(info.namespaces, info.nrec - 1);
	for (int i = 0; i < info.nrec; i++) {
		const nsr_record *r = &info.rec[i];
		int k;

		if (!strcmp(r->kind, "link")) {
			assert_string_equal(r->arg[1], "v1000");
			continue;
		}
		assert_int_equal(sscanf(r->arg[0], "n%d", &k), 1);
		assert_true(k >= 0 && k < N);
		assert_string_equal(r->kind, k % 2 ? "attach" : "ns");
		if (k % 3 == 0)
			fail_msg("n%d was struck out but is still there", k);
		if (seen[k]++)
			fail_msg("n%d is there twice", k);
	}
	nsr_labinfo_free(&info);
	free(text);
}

/* The parser reads exactly len bytes: no NUL terminator needed. */
static void test_journal_no_terminator(void **state)
{
	static const char src[] = "ns a\nns b\n";
	char *text = malloc(sizeof src - 1);
	nsr_labinfo info;

	assert_non_null(text);
	memcpy(text, src, sizeof src - 1);
	assert_int_equal(nsr_journal_parse(text, sizeof src - 1, &info), 0);
	assert_int_equal(info.nrec, 2);
	assert_int_equal(info.bad, 0);
	nsr_labinfo_free(&info);

	assert_int_equal(nsr_journal_parse(text, 0, &info), 0);
	assert_int_equal(info.nrec, 0);
	assert_int_equal(info.bad, 0);
	assert_null(info.rec);
	nsr_labinfo_free(&info);
	free(text);
}

/* nsr_labinfo_free may be called twice, and on an empty result. */
static void test_labinfo_free(void **state)
{
	nsr_labinfo info;

	assert_int_equal(nsr_journal_parse("ns a\n", 5, &info), 0);
	nsr_labinfo_free(&info);
	nsr_labinfo_free(&info);
	assert_null(info.rec);
	assert_int_equal(info.nrec, 0);
	assert_int_equal(nsr_journal_parse("", 0, &info), 0);
	nsr_labinfo_free(&info);
	assert_null(info.rec);
}

/*
 * A PID beyond what the kernel gives is refused: "proc 4294967297 0" once
 * passed atoll() > 1 and a (pid_t) cast made it PID 1.
 */
static void test_journal_pid_range(void **state)
{
	static const char *const lines[] = {
		"proc 4294967297 0\n",			/* (pid_t) 1 */
		"proc 4294967296 0\n",			/* (pid_t) 0 */
		"proc 4194304419430499 0\n",	/* (pid_t) -1 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		nsr_labinfo info;

		assert_int_equal(nsr_journal_parse(lines[i], strlen(lines[i]),
						   &info), 0);
		if (info.bad != 1 || info.nrec != 0)
			fail_msg("\"%.*s\" accepted: %d bad, %d records",
				 (int)strlen(lines[i]) - 1, lines[i], info.bad,
				 info.nrec);
		nsr_labinfo_free(&info);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_cases),
		cmocka_unit_test(test_journal_bad_lines),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_journal_alive),
		cmocka_unit_test(test_journal_many),
		cmocka_unit_test(test_journal_no_terminator),
		cmocka_unit_test(test_labinfo_free),
		cmocka_unit_test(test_journal_pid_range),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
