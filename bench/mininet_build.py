#!/usr/bin/python3
"""Build one of compare.lua's topologies with Mininet and print one JSON line.

The fourth method of bench/compare.lua (issue 7): the same nodes and links as
nsrun's generators (lua/nsrun/gen.lua), built by Mininet's Python API with
Linux-bridge switches (LinuxBridge, STP on where the topology has loops) and
no controller.  nsrun's routers become Mininet switches, in the root
namespace as Mininet puts them; its hosts become Mininet hosts, each in its
own network namespace, with the addresses Mininet assigns (10.0.0.0/8).
Mininet's network is bridged (L2); nsrun's is routed (L3).  What is timed is
the build: Mininet(...) with the topology, then net.start(); then net.stop()
as the teardown.

    /usr/bin/python3 bench/mininet_build.py fattree 4 [--budget 600] [--check 20]
    /usr/bin/python3 bench/mininet_build.py leafspine 4,16,16
    /usr/bin/python3 bench/mininet_build.py chain 1000
    /usr/bin/python3 bench/mininet_build.py tree 2,32

Run it inside bench/run's private namespaces (the whole network is then
invisible to the host).  It never runs Mininet's broad cleanup (`mn -c`),
and it skips Mininet.init(), which would raise host-wide sysctls
(kernel.pty.max, net.core.rmem_max, ...): it only raises its own open-file
limit.  If the build outlasts the budget, or on SIGTERM/SIGINT/SIGHUP, it
stops what it started with net.stop(), kills any shell of its own nodes
that is left, by process group (each node's shell leads its own), and
inside bench/run's namespace deletes the interfaces named after its nodes
that Mininet had not recorded yet.  Exit status 3: the build did not finish.
"""
import argparse
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from functools import partial

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import Topo
from mininet.topolib import TreeTopo


# The kernel's share of memory: counters that grow with namespaces, links
# and processes (/proc/meminfo, KiB).  Page cache and reclaimable slab are
# left out: they move with whatever else the machine does.
KERNEL_COUNTERS = ("SUnreclaim", "Percpu", "KernelStack", "PageTables", "VmallocUsed")


def meminfo():
    d = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, rest = line.split(":", 1)
            d[key] = int(rest.split()[0])
    return d


def kernel_kib(m):
    return sum(m.get(k, 0) for k in KERNEL_COUNTERS)


# Topologies: the wiring of lua/nsrun/gen.lua.  Mininet switch names need a
# number (it derives a datapath id from it) and interface names
# (<node>-eth<n>) must fit in 15 bytes: short names, numbered in nsrun's order.

def fattree(k):
    """k-ary fat-tree: (k/2)^2 core, k pods of k/2 aggregation + k/2 edge,
    k/2 hosts per edge; aggregation i of every pod links to core
    switches (i-1)*k/2+1 .. i*k/2; every edge to every aggregation of its pod."""
    if k < 2 or k % 2:
        raise SystemExit("fattree: k must be even and >= 2")
    h = k // 2
    t = Topo()
    core = [t.addSwitch("c%d" % (i + 1)) for i in range(h * h)]
    agg_n = edge_n = host_n = 0
    for _p in range(k):
        aggs = []
        for i in range(h):
            agg_n += 1
            a = t.addSwitch("a%d" % agg_n)
            aggs.append(a)
            for j in range(h):
                t.addLink(a, core[i * h + j])
        for _e in range(h):
            edge_n += 1
            e = t.addSwitch("e%d" % edge_n)
            for a in aggs:
                t.addLink(e, a)
            for _x in range(h):
                host_n += 1
                t.addLink(t.addHost("h%d" % host_n), e)
    return t, True


def leafspine(spines, leaves, hosts):
    """every leaf to every spine, hosts behind each leaf (one pod, no super-spines)"""
    t = Topo()
    sp = [t.addSwitch("s%d" % (i + 1)) for i in range(spines)]
    host_n = 0
    for l in range(leaves):
        leaf = t.addSwitch("l%d" % (l + 1))
        for s in sp:
            t.addLink(leaf, s)
        for _x in range(hosts):
            host_n += 1
            t.addLink(t.addHost("h%d" % host_n), leaf)
    return t, spines > 1 and leaves > 1


def chain(n):
    """n switches in a line, no hosts (compare.lua's chain: linear(n, {hosts = 0}))"""
    t = Topo()
    prev = None
    for i in range(n):
        s = t.addSwitch("r%d" % (i + 1))
        if prev:
            t.addLink(prev, s)
        prev = s
    return t, False


class Stop(Exception):
    """the budget ran out, or a signal asked to stop"""


def on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def shells(net):
    return [n for n in net.hosts + net.switches + net.controllers if getattr(n, "shell", None)]


def settle(net):
    """Let a shell that a stop interrupted mid-command finish it (Mininet
    refuses a new command to a node still waiting on one), so that
    net.stop() can use every node."""
    for n in shells(net):
        if getattr(n, "waiting", False):
            signal.setitimer(signal.ITIMER_REAL, 30)
            try:
                n.waitOutput()
            except Exception:  # Stop, or a shell gone: net.stop() copes or fails
                n.waiting = False
            signal.setitimer(signal.ITIMER_REAL, 0)


def sweep(names):
    """Delete what a stopped build left in this namespace under names of its
    own: a veth pair made but not yet recorded by Mininet, a bridge that
    net.stop() did not reach.  Only inside bench/run's private network
    namespace (NSRUN_BENCH_INSIDE), and only <node> and <node>-eth<n> for
    the nodes of this topology.  How many it deleted."""
    if not os.environ.get("NSRUN_BENCH_INSIDE"):
        return 0
    try:
        if os.stat("/proc/self/ns/net").st_ino == os.stat("/proc/1/ns/net").st_ino:
            return 0   # not private after all
    except OSError:
        pass
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    gone = 0
    for line in out.splitlines():
        name = line.split(":", 2)[1].strip().split("@")[0]
        m = re.fullmatch(r"(.+)-eth\d+", name)
        if name in names or (m and m.group(1) in names):
            gone += subprocess.run(["ip", "link", "del", "dev", name],
                                   capture_output=True).returncode == 0
    return gone


def pss_kib(pid):
    """proportional set size of one process, KiB (shared pages split among sharers)"""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def check(net, pairs, deadline):
    """wait until no bridge port is still listening or learning (STP), then
    ping a sample of host pairs; not timed"""
    end = time.monotonic() + deadline
    waiting = [s for s in net.switches if getattr(s, "stp", False)]
    while waiting and time.monotonic() < end:
        time.sleep(1)
        waiting = [s for s in waiting
                   if any(w in s.cmd("brctl showstp", s) for w in ("listening", "learning"))]
    hosts = net.hosts
    rnd = random.Random(1)
    ok = 0
    sample = [tuple(rnd.sample(hosts, 2)) for _ in range(pairs)] if len(hosts) > 1 else []
    for a, b in sample:
        out = a.cmd("ping -c 3 -i 0.2 -W 1 %s >/dev/null 2>&1; echo rc=$?" % b.IP())
        ok += "rc=0" in out
    return {"ok": ok, "pairs": len(sample)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("topo", choices=["fattree", "leafspine", "chain", "tree"])
    ap.add_argument("size", help="fattree: k; leafspine: spines,leaves,hosts; chain: n; "
                    "tree: depth,fanout (Mininet's own TreeTopo)")
    ap.add_argument("--budget", type=float, default=600,
                    help="seconds the build may take before it is stopped (600)")
    ap.add_argument("--check", type=int, default=0, metavar="PAIRS",
                    help="after the build, wait for STP and ping PAIRS host pairs (0: no)")
    ap.add_argument("--verbose", action="store_true", help="Mininet's own progress (info)")
    a = ap.parse_args()

    if os.geteuid() != 0:
        raise SystemExit("mininet_build.py: run as root (inside bench/run's namespaces)")
    if a.topo == "fattree":
        topo, loops = fattree(int(a.size))
        name = "fattree k=%s" % a.size
    elif a.topo == "leafspine":
        s, l, h = (int(x) for x in a.size.split(","))
        topo, loops = leafspine(s, l, h)
        name = "leaf-spine %dx%dx%d" % (s, l, h)
    elif a.topo == "tree":
        d, f = (int(x) for x in a.size.split(","))
        topo, loops = TreeTopo(depth=d, fanout=f), False
        name = "switched tree %d,%d" % (d, f)
    else:
        topo, loops = chain(int(a.size))
        name = "chain of %s" % a.size

    setLogLevel("info" if a.verbose else "warning")
    # Mininet.init() would raise host-wide sysctls; only our own fd limit.
    Mininet.inited = True
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 65536 and hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    # phases, seconds: nodes (addHost, addSwitch: a shell each, hosts in
    # their own namespace), links (addLink: veth pairs), addresses
    # (configHosts), start (net.start(): the bridges and their ports)
    phases = {"nodes": 0.0, "links": 0.0, "addresses": 0.0, "start": 0.0}
    res = {"method": "mininet", "topo": name, "budget_s": a.budget, "stp": loops,
           "hosts": len(topo.hosts()), "switches": len(topo.switches()),
           "links": len(topo.links()), "finished": False}

    r0s = resource.getrusage(resource.RUSAGE_SELF)
    r0c = resource.getrusage(resource.RUSAGE_CHILDREN)
    m0 = meminfo()
    for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    t0 = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, a.budget)
    net = None
    try:
        net = Mininet(topo=topo, build=False, controller=None, ipBase="10.0.0.0/8",
                      switch=partial(LinuxBridge, stp=loops))

        def timed(method, phase):
            f = getattr(net, method)

            def wrapper(*args, **kw):
                t = time.monotonic()
                try:
                    return f(*args, **kw)
                finally:
                    phases[phase] += time.monotonic() - t
            setattr(net, method, wrapper)
        timed("addHost", "nodes")
        timed("addSwitch", "nodes")
        timed("addLink", "links")
        timed("configHosts", "addresses")
        net.build()
        ts = time.monotonic()
        net.start()
        phases["start"] = time.monotonic() - ts
        signal.setitimer(signal.ITIMER_REAL, 0)
        res["build_s"] = time.monotonic() - t0
        res["finished"] = True
    except Stop as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        res["stopped_by"] = "budget" if str(e) == "SIGALRM" else str(e)
        res["build_s"] = time.monotonic() - t0
        if net is not None:
            res.update(built_hosts=len(net.hosts), built_switches=len(net.switches),
                       built_links=len(net.links))
    # from here to the teardown, a signal must not skip it (the check below
    # may be stopped, and then goes on to the teardown)
    quiet = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for sig in quiet:
        signal.signal(sig, signal.SIG_IGN)
    m1 = meminfo()
    res["kernel_kib"] = kernel_kib(m1) - kernel_kib(m0)
    res["avail_kib"] = m0["MemAvailable"] - m1["MemAvailable"]
    res["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if net is not None:
        res["shells"] = len(shells(net))
        res["shells_pss_kib"] = sum(pss_kib(n.shell.pid) for n in shells(net))
    sys.stderr.write("mininet %s: %s in %.2f s\n" % (
        name, "built" if res["finished"] else "stopped (%s)" % res.get("stopped_by"),
        res["build_s"]))

    if res["finished"] and a.check:
        try:
            for sig in quiet:
                signal.signal(sig, on_signal)
            signal.setitimer(signal.ITIMER_REAL, a.budget)
            c = check(net, a.check, 120)
            res.update(check_ok=c["ok"], check_pairs=c["pairs"])
        except Stop as e:
            res["check_stopped_by"] = str(e)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig in quiet:
            signal.signal(sig, signal.SIG_IGN)

    if net is not None:
        td = time.monotonic()
        try:
            settle(net)   # a node a stop interrupted mid-command
            net.stop()
        except Exception as e:  # a half-built network can trip Mininet up
            res["stop_error"] = repr(e)
        res["teardown_s"] = time.monotonic() - td
        # net.stop() hung its shells up (SIGHUP); reap them, so that their
        # CPU (and their commands') counts as our children's, and kill, by
        # process group, any of our own nodes' shells still there after 10 s
        end = time.monotonic() + 10
        left = 0
        for n in shells(net):
            try:
                n.shell.wait(timeout=max(end - time.monotonic(), 0.01))
            except Exception:
                left += 1
                try:
                    os.killpg(n.shell.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                n.shell.wait()
        res["shells_killed"] = left
        if not res["finished"]:
            res["leftovers_deleted"] = sweep(set(topo.nodes()))
    r1s = resource.getrusage(resource.RUSAGE_SELF)
    r1c = resource.getrusage(resource.RUSAGE_CHILDREN)
    res.update(("%s_s" % k, v) for k, v in phases.items())
    res["user_s"] = (r1s.ru_utime - r0s.ru_utime) + (r1c.ru_utime - r0c.ru_utime)
    res["sys_s"] = (r1s.ru_stime - r0s.ru_stime) + (r1c.ru_stime - r0c.ru_stime)
    sys.stdout.write(json.dumps(res, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0 if res["finished"] else 3


if __name__ == "__main__":
    sys.exit(main())
