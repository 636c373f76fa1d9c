#!/usr/bin/env python3
"""Where a kernel thread or process waits: off-CPU time by kernel stack.

Reads `perf script` of a `perf record -e sched:sched_switch -a -g` run and,
for every thread that ever switched out inside FUNCTION (cleanup_net: the
kernel's freeing of network namespaces), sums the time from each switch out
to its next switch in, by the stack it switched out on (its first frames,
scheduler frames left out).  Prints the total and the largest stacks.

  perf script -i perf-sw.data | python3 bench/offcpu.py cleanup_net
"""
import collections
import re
import sys

SCHEDULER = {"__schedule", "schedule", "schedule_timeout", "__wait_for_common",
             "wait_for_completion", "wait_for_completion_state", "schedule_preempt_disabled",
             "__mutex_lock.constprop.0", "__mutex_lock", "mutex_lock", "preempt_schedule_common",
             "__cond_resched", "_cond_resched"}
SWITCH = re.compile(r"^\s*\S.*?\s+\d+\s+\[\d+\]\s+([\d.]+):\s+sched:sched_switch:\s+"
                    r"prev_comm=.*? prev_pid=(\d+) .*?==> next_comm=.*? next_pid=(\d+)")


def events(lines):
    ev = None
    for line in lines:
        m = SWITCH.match(line)
        if m:
            if ev:
                yield ev
            ev = {"t": float(m.group(1)), "prev": int(m.group(2)), "next": int(m.group(3)), "stack": []}
        elif ev is not None and line.strip():
            parts = line.split()
            if len(parts) >= 2:
                ev["stack"].append(parts[1].split("+")[0])
    if ev:
        yield ev


def main():
    function = sys.argv[1] if len(sys.argv) > 1 else "cleanup_net"
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    evs = list(events(sys.stdin))
    threads = {e["prev"] for e in evs if function in e["stack"]}
    waits, out, total = collections.Counter(), {}, 0.0
    for e in evs:
        if e["prev"] in threads:
            out[e["prev"]] = e
        if e["next"] in threads and e["next"] in out:
            o = out.pop(e["next"])
            frames = [f for f in o["stack"] if f not in SCHEDULER][:depth]
            waits[" < ".join(frames)] += e["t"] - o["t"]
            total += e["t"] - o["t"]
    print(f"threads in {function}: {sorted(threads)}; off CPU {total:.3f} s")
    for stack, secs in waits.most_common(12):
        print(f"{secs:8.3f} s  {stack}")


if __name__ == "__main__":
    main()
