/*
 * test_qdisc.c -- netem's probabilities: a percent to the kernel's 32-bit
 * scale and back through the int libnl's getters return
 * (nsr_impair_prob, nsr_impair_percent), 50 % and more included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include <netlink/errno.h>

#include "qdisc.h"

static void test_percents_round_trip(void **state)
{
	static const double percents[] = { 0, 0.0001, 0.1, 1.5, 20, 49.999, 50, 60, 75,
					   99, 99.9999, 100 };
	(void)state;

	for (size_t i = 0; i < sizeof percents / sizeof percents[0]; i++) {
		uint32_t p = nsr_impair_prob(percents[i]);
		double back = nsr_impair_percent((int)p);	/* as libnl hands it back */

		if (fabs(back - percents[i]) > 1e-6)
			fail_msg("%g %% -> %u -> %g %%", percents[i], p, back);
	}
}

static void test_scale_ends(void **state)
{
	(void)state;
	assert_int_equal(nsr_impair_prob(-5), 0);
	assert_int_equal(nsr_impair_prob(0), 0);
	assert_int_equal(nsr_impair_prob(100), UINT32_MAX);
	assert_int_equal(nsr_impair_prob(250), UINT32_MAX);
	assert_true(nsr_impair_prob(50) > (uint32_t)INT32_MAX);	/* negative as an int */
	assert_true(nsr_impair_percent(-NLE_NOATTR) == 0);	/* no such attribute */
	assert_true(fabs(nsr_impair_percent(-1) - 100) < 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percents_round_trip),
		cmocka_unit_test(test_scale_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
