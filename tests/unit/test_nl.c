/*
 * test_nl.c -- the bytes of the requests core/nl.c builds by hand into a
 * window (nsr_nl_msg, nsr_nl_attr, nsr_nl_put, nsr_nl_since): headers,
 * attribute lengths and padding, nesting, and the window's limits.  No
 * socket: what would be sent is checked against struct layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static nsr_nl_batch b;

static void reset(void)
{
	memset(&b, 0xa5, sizeof b);	/* garbage: everything sent must be written */
	b.len = 0;
	b.n = 0;
}

static void test_header_and_fixed_part(void **state)
{
	struct rtmsg rtm = { .rtm_family = 2, .rtm_dst_len = 24, .rtm_table = 254 };
	struct nlmsghdr *h;
	struct rtmsg *got;
	(void)state;

	reset();
	got = nsr_nl_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof rtm);
	h = (struct nlmsghdr *)b.buf;
	assert_int_equal(b.n, 1);
	assert_int_equal(h->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(h->nlmsg_len, NLMSG_SPACE(sizeof rtm));
	assert_int_equal(h->nlmsg_seq, 0);
	assert_int_equal(h->nlmsg_pid, 0);
	assert_ptr_equal(got, NLMSG_DATA(h));
	assert_memory_equal(got, &rtm, sizeof rtm);
	assert_int_equal(b.len, NLMSG_SPACE(sizeof rtm));
}

static void test_attributes_are_padded(void **state)
{
	struct ifaddrmsg ifa = { .ifa_family = 2, .ifa_prefixlen = 24, .ifa_index = 3 };
	const uint8_t addr[4] = { 192, 0, 2, 1 }, three[3] = { 1, 2, 3 };
	struct nlmsghdr *h;
	struct rtattr *a, *c;
	(void)state;

	reset();
	nsr_nl_msg(&b, RTM_NEWADDR, NLM_F_CREATE, &ifa, sizeof ifa);
	a = nsr_nl_attr(&b, IFA_LOCAL, addr, 4);
	c = nsr_nl_attr(&b, IFA_LABEL, three, 3);
	h = (struct nlmsghdr *)b.buf;
	assert_int_equal(a->rta_type, IFA_LOCAL);
	assert_int_equal(a->rta_len, RTA_LENGTH(4));
	assert_memory_equal(RTA_DATA(a), addr, 4);
	assert_ptr_equal(c, (char *)a + RTA_SPACE(4));
	assert_int_equal(c->rta_len, RTA_LENGTH(3));	/* the length as given... */
	assert_int_equal(((uint8_t *)RTA_DATA(c))[3], 0);	/* ...padded with 0 */
	assert_int_equal(h->nlmsg_len, NLMSG_SPACE(sizeof ifa) + RTA_SPACE(4) + RTA_SPACE(3));
	assert_int_equal(b.len, h->nlmsg_len);
}

static void test_nesting_and_next_hops(void **state)
{
	struct rtmsg rtm = { .rtm_family = 2 };
	const uint8_t gw1[4] = { 10, 0, 0, 1 }, gw2[4] = { 10, 0, 0, 2 };
	struct rtattr *mp;
	struct rtnexthop *n1, *n2;
	struct nlmsghdr *h;
	(void)state;

	reset();
	nsr_nl_msg(&b, RTM_NEWROUTE, 0, &rtm, sizeof rtm);
	mp = nsr_nl_attr(&b, RTA_MULTIPATH, NULL, 0);
	n1 = nsr_nl_put(&b, sizeof *n1);
	assert_int_equal(n1->rtnh_flags, 0);	/* zeroed */
	n1->rtnh_ifindex = 4;
	nsr_nl_attr(&b, RTA_GATEWAY, gw1, 4);
	n1->rtnh_len = nsr_nl_since(&b, n1);
	n2 = nsr_nl_put(&b, sizeof *n2);
	n2->rtnh_ifindex = 5;
	n2->rtnh_hops = 2;	/* weight 3 */
	nsr_nl_attr(&b, RTA_GATEWAY, gw2, 4);
	n2->rtnh_len = nsr_nl_since(&b, n2);
	mp->rta_len = nsr_nl_since(&b, mp);
	h = (struct nlmsghdr *)b.buf;
	assert_int_equal(n1->rtnh_len, RTNH_ALIGN(sizeof *n1) + RTA_SPACE(4));
	assert_ptr_equal(n2, RTNH_NEXT(n1));
	assert_int_equal(mp->rta_len, RTA_LENGTH(2 * (RTNH_ALIGN(sizeof *n1) + RTA_SPACE(4))));
	assert_memory_equal(RTA_DATA(RTNH_DATA(n2)), gw2, 4);
	assert_int_equal(h->nlmsg_len, b.len);
	assert_int_equal(b.len, NLMSG_SPACE(sizeof rtm) + mp->rta_len);
}

static void test_requests_follow_each_other(void **state)
{
	struct ifinfomsg ifi = { 0 };
	struct nlmsghdr *h1, *h2;
	(void)state;

	reset();
	nsr_nl_msg(&b, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	nsr_nl_attr(&b, IFLA_MTU, &(uint32_t){ 9000 }, 4);
	nsr_nl_msg(&b, RTM_SETLINK, 0, &ifi, sizeof ifi);
	h1 = (struct nlmsghdr *)b.buf;
	h2 = NLMSG_NEXT(h1, (int){ (int)b.len });
	assert_int_equal(b.n, 2);
	assert_int_equal(h2->nlmsg_type, RTM_SETLINK);
	assert_int_equal(h1->nlmsg_len + h2->nlmsg_len, b.len);
	/* an attribute goes into the request being built, the second */
	nsr_nl_attr(&b, IFLA_MTU, &(uint32_t){ 1500 }, 4);
	assert_int_equal(h1->nlmsg_len, NLMSG_SPACE(sizeof ifi) + RTA_SPACE(4));
	assert_int_equal(h2->nlmsg_len, NLMSG_SPACE(sizeof ifi) + RTA_SPACE(4));
}

static void test_window_limits(void **state)
{
	struct ifinfomsg ifi = { 0 };
	(void)state;

	reset();
	for (int i = 0; i < NSR_NL_WINDOW; i++) {
		assert_true(nsr_nl_fits(&b, NLMSG_SPACE(sizeof ifi)));
		nsr_nl_msg(&b, RTM_SETLINK, 0, &ifi, sizeof ifi);
	}
	assert_false(nsr_nl_fits(&b, NLMSG_SPACE(sizeof ifi)));	/* a full window */
	reset();
	assert_true(nsr_nl_fits(&b, sizeof b.buf));
	assert_false(nsr_nl_fits(&b, sizeof b.buf + 1));	/* too large for the buffer */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_fixed_part),
		cmocka_unit_test(test_attributes_are_padded),
		cmocka_unit_test(test_nesting_and_next_hops),
		cmocka_unit_test(test_requests_follow_each_other),
		cmocka_unit_test(test_window_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
