#include <errno.h>
#include <linux/pkt_sched.h>
#include <math.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <stdint.h>
#include <string.h>

#include <netlink/errno.h>

#include "nl.h"
#include "qdisc.h"

#define ROOT_HANDLE TC_HANDLE(1, 0)
#define NETEM_CHILD TC_HANDLE(10, 0)

uint32_t nsr_impair_prob(double percent)
{
	if (percent <= 0)
		return 0;
	if (percent >= 100)
		return UINT32_MAX;
	return (uint32_t)llround(percent / 100.0 * UINT32_MAX);
}

/* libnl's getters return the kernel's 32-bit probability as an int, so
 * 50 % and more come back negative; -NLE_NOATTR means none.  (A
 * probability of exactly UINT32_MAX + 1 - NLE_NOATTR reads as 0: 0.0000003 %
 * short of 100 %.) */
double nsr_impair_percent(int p)
{
	return p == -NLE_NOATTR ? 0 : (double)(uint32_t)p * 100.0 / UINT32_MAX;
}

int nsr_impair_netem(const nsr_impair *im)
{
	return im->delay_us || im->jitter_us || im->loss > 0 || im->duplicate > 0 ||
	       im->reorder > 0 || im->corrupt > 0 || im->limit;
}

static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent,
				    uint32_t handle, const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if (rtnl_tc_set_kind(TC_CAST(q), kind) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

static int add(nsr_ns *ns, struct rtnl_qdisc *q)
{
	struct nl_msg *msg;
	int err = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg);

	rtnl_qdisc_put(q);
	if (err < 0)
		return -ENOMEM;
	return nsr_nl_talk(ns, msg);
}

static int add_netem(nsr_ns *ns, int ifindex, uint32_t parent, uint32_t handle,
		     const nsr_impair *im)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, parent, handle, "netem");

	if (!q)
		return -ENOMEM;
	rtnl_netem_set_limit(q, im->limit ? (int)im->limit : 1000);
	if (im->delay_us)
		rtnl_netem_set_delay(q, (int)im->delay_us);
	if (im->jitter_us)
		rtnl_netem_set_jitter(q, (int)im->jitter_us);
	if (im->loss > 0)
		rtnl_netem_set_loss(q, (int)nsr_impair_prob(im->loss));
	if (im->duplicate > 0)
		rtnl_netem_set_duplicate(q, (int)nsr_impair_prob(im->duplicate));
	if (im->reorder > 0) {
		/* as tc does: reordering sends some packets at once, the rest
		 * delayed; a gap of 1 makes it the probability per packet */
		rtnl_netem_set_reorder_probability(q, (int)nsr_impair_prob(im->reorder));
		rtnl_netem_set_gap(q, 1);
	}
	if (im->corrupt > 0)
		rtnl_netem_set_corruption_probability(q, (int)nsr_impair_prob(im->corrupt));
	return add(ns, q);
}

static int add_tbf(nsr_ns *ns, int ifindex, const nsr_impair *im)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, TC_H_ROOT, ROOT_HANDLE, "tbf");
	uint64_t bytes = im->rate_bps / 8;
	/* a bucket of 10 ms at the rate, at least a few full-size frames */
	uint64_t bucket = bytes / 100 > 4 * 1514 ? bytes / 100 : 4 * 1514;

	if (!q)
		return -ENOMEM;
	rtnl_qdisc_tbf_set_rate(q, (int)bytes, (int)bucket, 0);
	/* a queue of 50 ms at the rate, as `tc ... tbf latency 50ms` */
	if (rtnl_qdisc_tbf_set_limit_by_latency(q, 50000) < 0) {
		rtnl_qdisc_put(q);
		return -EINVAL;
	}
	return add(ns, q);
}

/* Remove the root qdisc; none of ours there is not an error. */
static int clear(nsr_ns *ns, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct nl_msg *msg;
	int err;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	err = rtnl_qdisc_build_delete_request(q, &msg);
	rtnl_qdisc_put(q);
	if (err < 0)
		return -ENOMEM;
	err = nsr_nl_talk(ns, msg);
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

static int check(const nsr_impair *im, const char *ifname, nsr_ns *ns,
		 nsr_error *e)
{
	const char *why = NULL;

	if (im->loss < 0 || im->loss > 100 || im->duplicate < 0 ||
	    im->duplicate > 100 || im->reorder < 0 || im->reorder > 100 ||
	    im->corrupt < 0 || im->corrupt > 100)
		why = "a percentage is not 0..100";
	else if (im->jitter_us && !im->delay_us)
		why = "jitter needs a delay";
	else if (im->reorder > 0 && !im->delay_us)
		why = "reorder needs a delay (reordered packets are the ones sent without it)";
	else if (im->delay_us > 60000000 || im->jitter_us > 60000000)
		why = "a delay or jitter over 60 s";
	else if (im->rate_bps && (im->rate_bps < 8000 || im->rate_bps / 8 > INT32_MAX))
		why = "rate is not 8kbit..17gbit";
	if (why)
		return nsr_failmsg(e, -EINVAL, "impair %s in %s: %s", ifname,
				   nsr_ns_label(ns), why);
	return 0;
}

int nsr_impair_set(nsr_ns *ns, const char *ifname, const nsr_impair *im,
		   nsr_error *e)
{
	int ifindex, err, netem = nsr_impair_netem(im);

	if ((err = check(im, ifname, ns, e)) < 0)
		return err;
	if ((ifindex = nsr_ifindex(ns, ifname, e)) < 0)
		return ifindex;
	if ((err = clear(ns, ifindex)) < 0)
		return nsr_fail(e, err, "impair %s in %s: removing the old qdisc",
				ifname, nsr_ns_label(ns));
	if (im->rate_bps && (err = add_tbf(ns, ifindex, im)) < 0)
		return nsr_fail(e, err, "impair %s in %s: tbf rate", ifname,
				nsr_ns_label(ns));
	if (netem) {
		err = im->rate_bps ?
		      add_netem(ns, ifindex, TC_HANDLE(1, 1), NETEM_CHILD, im) :
		      add_netem(ns, ifindex, TC_H_ROOT, ROOT_HANDLE, im);
		if (err < 0) {
			clear(ns, ifindex);	/* all or nothing */
			if (err == -ENOENT)
				return nsr_failmsg(e, err, "impair %s in %s: this kernel has "
						   "no netem (sch_netem), which delay, jitter, "
						   "loss, duplicate, reorder and corrupt need",
						   ifname, nsr_ns_label(ns));
			return nsr_fail(e, err, "impair %s in %s: netem", ifname,
					nsr_ns_label(ns));
		}
	}
	return 0;
}

static void read_netem(struct rtnl_qdisc *q, nsr_impair *im)
{
	int v;

	if ((v = rtnl_netem_get_delay(q)) > 0)
		im->delay_us = (uint32_t)v;
	if ((v = rtnl_netem_get_jitter(q)) > 0)
		im->jitter_us = (uint32_t)v;
	if ((v = rtnl_netem_get_limit(q)) > 0 && v != 1000)
		im->limit = (uint32_t)v;
	im->loss = nsr_impair_percent(rtnl_netem_get_loss(q));
	im->duplicate = nsr_impair_percent(rtnl_netem_get_duplicate(q));
	im->reorder = nsr_impair_percent(rtnl_netem_get_reorder_probability(q));
	im->corrupt = nsr_impair_percent(rtnl_netem_get_corruption_probability(q));
}

int nsr_impair_get(nsr_ns *ns, const char *ifname, nsr_impair *im,
		   const char **kind, nsr_error *e)
{
	struct nl_cache *cache;
	struct rtnl_qdisc *root, *child;
	int ifindex, err;

	memset(im, 0, sizeof *im);
	*kind = "none";
	if ((ifindex = nsr_ifindex(ns, ifname, e)) < 0)
		return ifindex;
	if ((err = nsr_nl_ensure(ns, e)) < 0)
		return err;
	if ((err = rtnl_qdisc_alloc_cache(ns->sk, &cache)) < 0)
		return nsr_failmsg(e, -EIO, "qdiscs of %s in %s: %s", ifname,
				   nsr_ns_label(ns), nl_geterror(err));
	root = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (root) {
		const char *k = rtnl_tc_get_kind(TC_CAST(root));

		if (!strcmp(k, "tbf")) {
			*kind = "tbf";
			im->rate_bps = (uint64_t)rtnl_qdisc_tbf_get_rate(root) * 8;
			child = rtnl_qdisc_get_by_parent(cache, ifindex, TC_HANDLE(1, 1));
			if (child && !strcmp(rtnl_tc_get_kind(TC_CAST(child)), "netem")) {
				*kind = "tbf+netem";
				read_netem(child, im);
			}
			if (child)
				rtnl_qdisc_put(child);
		} else if (!strcmp(k, "netem")) {
			*kind = "netem";
			read_netem(root, im);
		}
		rtnl_qdisc_put(root);
	}
	nl_cache_free(cache);
	return 0;
}
