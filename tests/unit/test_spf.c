/*
 * Routes by hop count (core/spf.c) on a square of four routers,
 * r0-r1-r2-r3-r0: ECMP where two paths tie (r2 to r0), one next hop where
 * one is shorter, buddy prefixes merged only when their next hops agree,
 * malformed graphs refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "spf.h"

#define NET(a, b, c) ((uint32_t)(10u << 24 | (a) << 16 | (b) << 8 | (c)))

/* adjacency entries, router by router: r0: 0->1, 1->3; r1: 2->0, 3->2;
 * r2: 4->1, 5->3; r3: 6->2, 7->0 */
static const size_t adj_first[] = { 0, 2, 4, 6, 8 };
static const int adj_to[] = { 1, 3, 0, 2, 1, 3, 2, 0 };

static void square(nsr_spf_graph *g, const size_t *own_first, const int *owners,
		   const size_t *pfx_first, const nsr_spf_prefix *pfx, int ndests)
{
	*g = (nsr_spf_graph){ .nrouters = 4, .adj_first = adj_first, .adj_to = adj_to,
			      .ndests = ndests, .own_first = own_first, .owners = owners,
			      .pfx_first = pfx_first, .prefixes = pfx };
}

/* the routes of router r: count, and the i-th one */
static size_t nroutes(const nsr_spf_result *res, int r)
{
	return res->route_first[r + 1] - res->route_first[r];
}

static const nsr_spf_route *route(const nsr_spf_result *res, int r, size_t i)
{
	return &res->routes[res->route_first[r] + i];
}

static void test_ecmp_where_paths_tie(void **state)
{
	static const size_t own_first[] = { 0, 1, 2, 3, 4 };
	static const int owners[] = { 0, 1, 2, 3 };
	static const size_t pfx_first[] = { 0, 1, 2, 3, 4 };
	static const nsr_spf_prefix pfx[] = {
		{ NET(0, 0, 0), 24 }, { NET(0, 1, 0), 24 }, { NET(0, 2, 0), 24 }, { NET(0, 3, 0), 24 } };
	nsr_spf_graph g;
	nsr_spf_result res;
	(void)state;

	square(&g, own_first, owners, pfx_first, pfx, 4);
	assert_int_equal(nsr_spf_routes(&g, 0, &res), 0);
	/* each router: routes to the three others, none to its own */
	for (int r = 0; r < 4; r++)
		assert_int_equal(nroutes(&res, r), 3);
	/* r2 to r0's 10.0.0.0/24: via both neighbours (entries 4 and 5) */
	const nsr_spf_route *x = route(&res, 2, 0);
	assert_int_equal(x->net, NET(0, 0, 0));
	int h = x->hopset;
	assert_int_equal(res.hop_first[h + 1] - res.hop_first[h], 2);
	assert_int_equal(res.hops[res.hop_first[h]], 4);
	assert_int_equal(res.hops[res.hop_first[h] + 1], 5);
	/* r2 to r1's 10.0.1.0/24: one hop, entry 4 only */
	x = route(&res, 2, 1);
	assert_int_equal(x->net, NET(0, 1, 0));
	h = x->hopset;
	assert_int_equal(res.hop_first[h + 1] - res.hop_first[h], 1);
	assert_int_equal(res.hops[res.hop_first[h]], 4);
	nsr_spf_free(&res);
}

static void test_buddies_merge_only_with_the_same_hops(void **state)
{
	/* r0 owns 10.0.0.0/24 and 10.0.1.0/24 (buddies: one /23 at the others);
	 * r1 owns 10.0.2.0/24, whose buddy 10.0.3.0/24 is r3's */
	static const size_t own_first[] = { 0, 1, 2, 3 };
	static const int owners[] = { 0, 1, 3 };
	static const size_t pfx_first[] = { 0, 2, 3, 4 };
	static const nsr_spf_prefix pfx[] = {
		{ NET(0, 0, 0), 24 }, { NET(0, 1, 0), 24 }, { NET(0, 2, 0), 24 }, { NET(0, 3, 0), 24 } };
	nsr_spf_graph g;
	nsr_spf_result res;
	(void)state;

	square(&g, own_first, owners, pfx_first, pfx, 3);
	assert_int_equal(nsr_spf_routes(&g, 1, &res), 0);
	/* r1: 10.0.0.0/23 via r0 (merged), 10.0.3.0/24 (two hops: ECMP) */
	assert_int_equal(nroutes(&res, 1), 2);
	assert_int_equal(route(&res, 1, 0)->net, NET(0, 0, 0));
	assert_int_equal(route(&res, 1, 0)->len, 23);
	assert_int_equal(route(&res, 1, 1)->net, NET(0, 3, 0));
	assert_int_equal(route(&res, 1, 1)->len, 24);
	/* r2: 10.0.0.0/23 (both ways, ECMP), 10.0.2.0/24 via r1 and
	 * 10.0.3.0/24 via r3: different next hops, never merged into a /23 */
	assert_int_equal(nroutes(&res, 2), 3);
	assert_int_equal(route(&res, 2, 0)->net, NET(0, 0, 0));
	assert_int_equal(route(&res, 2, 0)->len, 23);
	assert_int_equal(route(&res, 2, 1)->net, NET(0, 2, 0));
	assert_int_equal(route(&res, 2, 1)->len, 24);
	assert_int_equal(route(&res, 2, 2)->net, NET(0, 3, 0));
	assert_int_equal(route(&res, 2, 2)->len, 24);
	assert_int_not_equal(route(&res, 2, 1)->hopset, route(&res, 2, 2)->hopset);
	nsr_spf_free(&res);
}

/* Two routers, r0 owning n destinations of one /24 each: r1's routes, with
 * the destinations given in a shuffled order (so that r1 has n keys to
 * sort: the radix sort from 64 up). */
static void two_routers(int n, const uint32_t *nets, int aggregate, nsr_spf_result *res)
{
	static const size_t first2[] = { 0, 1, 2 };
	static const int to2[] = { 1, 0 };
	size_t *own_first = test_calloc((size_t)n + 1, sizeof *own_first);
	size_t *pfx_first = test_calloc((size_t)n + 1, sizeof *pfx_first);
	int *owners = test_calloc((size_t)n, sizeof *owners);
	nsr_spf_prefix *pfx = test_calloc((size_t)n, sizeof *pfx);
	nsr_spf_graph g = { .nrouters = 2, .adj_first = first2, .adj_to = to2, .ndests = n,
			    .own_first = own_first, .owners = owners, .pfx_first = pfx_first,
			    .prefixes = pfx };

	for (int i = 0; i < n; i++) {
		own_first[i + 1] = pfx_first[i + 1] = (size_t)i + 1;
		pfx[i] = (nsr_spf_prefix){ nets[i], 24 };
	}
	assert_int_equal(nsr_spf_routes(&g, aggregate, res), 0);
	test_free(own_first);
	test_free(pfx_first);
	test_free(owners);
	test_free(pfx);
}

/* 10.1.k.0/24 for k = 0..n-1, in a shuffled order (a fixed LCG) */
static void shuffled(uint32_t *nets, int n)
{
	uint32_t seed = 7;

	for (int i = 0; i < n; i++)
		nets[i] = NET(1, i, 0);
	for (int i = n - 1; i > 0; i--) {
		int j = (int)((seed = seed * 1103515245u + 12345u) % (uint32_t)(i + 1));
		uint32_t t = nets[i];

		nets[i] = nets[j];
		nets[j] = t;
	}
}

static void test_many_routes_merge_over_many_levels(void **state)
{
	uint32_t nets[256];
	nsr_spf_result res;
	(void)state;

	/* 256 /24s: eight levels of merging, one /16 */
	shuffled(nets, 256);
	two_routers(256, nets, 1, &res);
	assert_int_equal(nroutes(&res, 1), 1);
	assert_int_equal(route(&res, 1, 0)->net, NET(1, 0, 0));
	assert_int_equal(route(&res, 1, 0)->len, 16);
	nsr_spf_free(&res);
	/* 100 /24s (0..99): 0..63 a /18, 64..95 a /19, 96..99 a /22 */
	shuffled(nets, 100);
	two_routers(100, nets, 1, &res);
	assert_int_equal(nroutes(&res, 1), 3);
	assert_int_equal(route(&res, 1, 0)->net, NET(1, 0, 0));
	assert_int_equal(route(&res, 1, 0)->len, 18);
	assert_int_equal(route(&res, 1, 1)->net, NET(1, 64, 0));
	assert_int_equal(route(&res, 1, 1)->len, 19);
	assert_int_equal(route(&res, 1, 2)->net, NET(1, 96, 0));
	assert_int_equal(route(&res, 1, 2)->len, 22);
	nsr_spf_free(&res);
}

static void test_many_routes_without_aggregation_keep_their_order(void **state)
{
	uint32_t nets[100];
	nsr_spf_result res;
	(void)state;

	shuffled(nets, 100);
	two_routers(100, nets, 0, &res);
	assert_int_equal(nroutes(&res, 1), 100);
	for (size_t i = 0; i < 100; i++) {
		assert_int_equal(route(&res, 1, i)->net, nets[i]);
		assert_int_equal(route(&res, 1, i)->len, 24);
	}
	assert_int_equal(nroutes(&res, 0), 0);
	nsr_spf_free(&res);
}

static void test_bad_graphs_are_refused(void **state)
{
	static const size_t own_first[] = { 0, 1 };
	static const int owners[] = { 7 };	/* no router 7 */
	static const size_t pfx_first[] = { 0, 1 };
	static const nsr_spf_prefix pfx[] = { { NET(0, 0, 0), 24 } };
	static const nsr_spf_prefix toolong[] = { { NET(0, 0, 0), 33 } };
	static const int owner0[] = { 0 };
	nsr_spf_graph g;
	nsr_spf_result res;
	(void)state;

	square(&g, own_first, owners, pfx_first, pfx, 1);
	assert_int_equal(nsr_spf_routes(&g, 1, &res), -EINVAL);
	square(&g, own_first, owner0, pfx_first, toolong, 1);
	assert_int_equal(nsr_spf_routes(&g, 1, &res), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecmp_where_paths_tie),
		cmocka_unit_test(test_buddies_merge_only_with_the_same_hops),
		cmocka_unit_test(test_bad_graphs_are_refused),
		cmocka_unit_test(test_many_routes_merge_over_many_levels),
		cmocka_unit_test(test_many_routes_without_aggregation_keep_their_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
