/*
 * test_docker.c -- the Engine API client refuses, before any request, a
 * container reference that would change the request's path (start,
 * inspect and remove alike); a valid one goes to the Engine (here, one
 * that is not there: a clear error naming its socket).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "docker.h"

static void test_bad_references(void **state)
{
	static const char *const bad[] = { "", "a/b", "../../containers", "x?force=0", "x#y", NULL };
	nsr_docker *d;
	nsr_container c;
	nsr_error e = { 0 };
	(void)state;

	setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
	assert_int_equal(nsr_docker_open(&d, &e), 0);
	for (const char *const *r = bad; *r; r++) {
		e.msg[0] = 0;
		assert_int_equal(nsr_docker_start(d, *r, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "not a name or an ID"));
		assert_int_equal(nsr_docker_remove(d, *r, &e), -EINVAL);
		assert_int_equal(nsr_docker_inspect(d, *r, &c, &e), -EINVAL);
	}
	/* a good one is asked of the Engine, which is not there */
	e.msg[0] = 0;
	assert_true(nsr_docker_start(d, "web1", &e) < 0);
	assert_non_null(strstr(e.msg, "/nonexistent/docker.sock"));
	nsr_docker_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
