#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Match `uevscope locks --events` with `perf lock record -k CLOCK_MONOTONIC`, event by event.

usage: lock-compare.py UEVSCOPE_EVENTS PERF_SCRIPT_OUTPUT [--margin-ms N] [--json]

Both files carry CLOCK_MONOTONIC nanoseconds: uevscope's from bpf_ktime_get_ns(),
perf's because it recorded with -k CLOCK_MONOTONIC (without it perf stamps
events with local_clock(), i.e. sched_clock, which is not CLOCK_MONOTONIC: an
offset of its own and a drift). perf's events are replayed twice:

- as `perf lock contention` reports them (tools/perf/builtin-lock.c): one
  state per (task, lock); a second contention_begin while contended keeps the
  first timestamp; a contention_end times the wait;
- as uevscope times them (bpf/locks.bpf.c): one state per task; a begin
  while the task already waits (on any lock) is not a wait of its own.

The window is the span both tools watched, less a margin at each end, cut by
each contention's begin time. Only uevent_sock_mutex is compared: the lock
whose waiters' stacks call the mutex slow path from a uevent function, as
uevscope identifies it. Per call path (the uevent function on the stack):
counts, total and max wait of each; then every uevscope event is matched to a
perf one of the same task and lock whose begin and end lie within the match
tolerance; what is left unmatched on either side is listed with the reason
that the other tool's event stream shows.
"""
import bisect
import json
import re
import sys

UEVENT_FNS = ("kobject_uevent_env", "kobject_uevent_net_broadcast", "uevent_net_broadcast_untagged",
              "uevent_net_init", "uevent_net_exit", "uevent_net_rcv")
MUTEX_FNS = ("__mutex_lock", "mutex_lock", "__mutex_lock_slowpath", "mutex_lock_nested",
             "__mutex_lock_killable_slowpath", "__mutex_lock_interruptible_slowpath")
TOL_NS = 200000  # begin and end of one contention as the two tools stamp them


def base(sym):
    """__mutex_lock.constprop.0+0x1f -> __mutex_lock"""
    return sym.split("+")[0].split(".")[0]


def path_of(frames):
    for f in frames:
        if base(f) in UEVENT_FNS:
            return base(f)
    return "other"


def mutex_owner(frames):
    """The uevent function calling the mutex slow path straight, as locks_paths.c does."""
    for i, f in enumerate(frames[:-1]):
        if base(f) in MUTEX_FNS:
            nxt = base(frames[i + 1])
            if nxt in MUTEX_FNS:
                continue
            return nxt if nxt in UEVENT_FNS else None
    return None


def read_uevscope(path):
    ev = []
    walks = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if p and p[0] == "contention" and len(p) >= 9:
                ev.append({"begin": int(p[1]), "end": int(p[2]), "tid": int(p[3]),
                           "lock": int(p[4], 16), "path": p[7] if p[7] != "-" else "other",
                           "frames": p[8].split("<-") if p[8] != "-" else []})
            elif p and p[0] == "walk" and len(p) >= 5:
                walks.append((int(p[1]), int(p[2]), int(p[3]), int(p[4])))
    return ev, walks


HDR = re.compile(r"^\s*(.*?)\s+(\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(?:\d+\s+)?lock:(contention_begin|contention_end):"
                 r"\s+(0x[0-9a-f]+)\s+\((.*)\)")


def read_perf(path):
    """perf script --ns output: [(ts, tid, kind, lock, flags, frames)] in file order."""
    out = []
    cur = None
    with open(path, errors="replace") as f:
        for line in f:
            m = HDR.match(line)
            if m:
                if cur:
                    out.append(cur)
                ts = int(m.group(4)) * 1000000000 + int(m.group(5).ljust(9, "0")[:9])
                cur = [ts, int(m.group(2)), m.group(6) == "contention_begin", int(m.group(7), 16),
                       m.group(8), []]
                continue
            if cur and line.startswith("\t") or (cur and line.startswith(" ") and line.strip()):
                parts = line.split()
                if len(parts) >= 2 and "kernel.kallsyms" in line:
                    cur[5].append(parts[1])
            elif not line.strip() and cur:
                out.append(cur)
                cur = None
    if cur:
        out.append(cur)
    out.sort(key=lambda e: e[0])
    return out


def replay(perf, per_task):
    """Waits [(begin, end, tid, lock, frames)] as perf (per task and lock) or uevscope (per task)."""
    state = {}
    waits = []
    for ts, tid, is_begin, lock, _flags, frames in perf:
        key = tid if per_task else (tid, lock)
        w = state.get(key)
        if is_begin:
            if w is None:
                state[key] = (ts, lock, frames)
            continue
        if w is None or w[1] != lock:
            continue
        del state[key]
        waits.append({"begin": w[0], "end": ts, "tid": tid, "lock": lock, "frames": w[2],
                      "path": path_of(w[2])})
    return waits


def stats(evs):
    s = {}
    for e in evs:
        p = s.setdefault(e["path"], {"count": 0, "total_ns": 0, "max_ns": 0})
        d = e["end"] - e["begin"]
        p["count"] += 1
        p["total_ns"] += d
        p["max_ns"] = max(p["max_ns"], d)
    return s


def match(a, b):
    """Pairs of a and b (same tid and lock, begin and end within TOL_NS); the rest of each."""
    by = {}
    for i, e in enumerate(b):
        by.setdefault((e["tid"], e["lock"]), []).append(i)
    starts = {k: [b[i]["begin"] for i in v] for k, v in by.items()}  # b is in end order: sort
    for k in by:
        order = sorted(range(len(by[k])), key=lambda j: starts[k][j])
        by[k] = [by[k][j] for j in order]
        starts[k] = [starts[k][j] for j in order]
    used = set()
    pairs, only_a = [], []
    for e in a:
        best = None
        k = (e["tid"], e["lock"])
        lo = bisect.bisect_left(starts.get(k, []), e["begin"] - TOL_NS)
        hi = bisect.bisect_right(starts.get(k, []), e["begin"] + TOL_NS)
        for i in by.get(k, [])[lo:hi]:
            if i in used:
                continue
            o = b[i]
            if abs(o["begin"] - e["begin"]) <= TOL_NS and abs(o["end"] - e["end"]) <= TOL_NS:
                d = abs(o["begin"] - e["begin"]) + abs(o["end"] - e["end"])
                if best is None or d < best[0]:
                    best = (d, i)
        if best:
            used.add(best[1])
            pairs.append((e, b[best[1]]))
        else:
            only_a.append(e)
    only_b = [b[i] for i in range(len(b)) if i not in used]
    return pairs, only_a, only_b


def explain(e, perf, other, twins):
    """Why an event of one tool has no twin in the other's: what the streams show."""
    lo = bisect.bisect_left(perf, [e["begin"] - TOL_NS])
    hi = bisect.bisect_right(perf, [e["end"] + TOL_NS + 1])
    seen = [p for p in perf[lo:hi] if p[1] == e["tid"]]
    begins = [p for p in seen if p[2] and p[3] == e["lock"]]
    ends = [p for p in seen if not p[2] and p[3] == e["lock"]]
    nested = [p for p in seen if p[3] != e["lock"]]
    same = [t for t in twins if t["tid"] == e["tid"] and t["lock"] == e["lock"]]
    if other == "uevscope":
        longer = [t for t in same if t["begin"] < e["begin"] - TOL_NS and abs(t["end"] - e["end"]) <= TOL_NS]
        if longer:
            return "perf timed it from an earlier begin (%.1f us before) whose end it lost: one wait where uevscope has two" % (
                (e["begin"] - longer[0]["begin"]) / 1e3)
        if not seen:
            return "perf recorded no event of this task then (perf lost it)"
        if not ends:
            return "perf has no contention_end of this lock for it (lost)"
    else:
        inside = [t for t in same if e["begin"] - TOL_NS <= t["begin"] and t["end"] <= e["end"] + TOL_NS]
        if len(inside) > 1:
            return "uevscope has %d waits inside it: perf lost the contention_end between them" % len(inside)
        if not inside:
            if nested:
                return "the task waited for another lock meanwhile (nested): uevscope does not time a wait begun inside another"
            return "uevscope has no wait of this task then (its begin or end not run: see missed_runs)"
    if len(begins) > 1:
        return "%d contention_begin before one end (spin then sleep); timed from different begins" % len(begins)
    return "timestamps differ beyond %d us" % (TOL_NS // 1000)


def main():
    args, as_json, margin = [], False, 500
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--json":
            as_json = True
        elif a == "--margin-ms" and argv:
            margin = int(argv.pop(0))
        else:
            args.append(a)
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    uev, walks = read_uevscope(args[0])
    perf = read_perf(args[1])
    if not uev or not perf:
        sys.exit("lock-compare: no contention in %s" % (args[0] if not uev else args[1]))
    # The mutex: the lock whose stacks call the mutex slow path from a uevent function.
    owners = {}
    for e in uev:
        if mutex_owner(e["frames"]):
            owners[e["lock"]] = owners.get(e["lock"], 0) + 1
    if not owners:
        sys.exit("lock-compare: uevent_sock_mutex not seen in %s" % args[0])
    lock = max(owners, key=owners.get)
    # The window both watched: uevscope streams only once the mutex is known (it filters from
    # then on), so from its first event on that lock; perf until its last event.
    t0 = max(min(e["begin"] for e in uev if e["lock"] == lock), perf[0][0]) + margin * 1000000
    t1 = min(max(e["end"] for e in uev), perf[-1][0]) - margin * 1000000
    if t1 <= t0:
        sys.exit("lock-compare: the two recordings do not overlap (clocks differ? perf needs -k CLOCK_MONOTONIC)")

    # Matched over the whole lock, then cut: a pair is in the window when uevscope's begin is,
    # an event left over when its own begin is; so no pair is split by the window's edges.
    u_all = [e for e in uev if e["lock"] == lock]
    p_all = [e for e in replay(perf, per_task=False) if e["lock"] == lock]
    pairs_all, only_u_all, only_p_all = match(u_all, p_all)

    def inside(e):
        return t0 <= e["begin"] <= t1

    pairs = [(a, b) for a, b in pairs_all if inside(a)]
    only_u = [e for e in only_u_all if inside(e)]
    only_p = [e for e in only_p_all if inside(e)]
    u = [a for a, _ in pairs] + only_u
    p_perf = [b for _, b in pairs] + only_p
    p_uev = [e for e in replay(perf, per_task=True) if e["lock"] == lock and inside(e)]
    res = {"lock": "0x%x" % lock, "window_ns": [t0, t1], "window_s": (t1 - t0) / 1e9,
           "uevscope": stats(u), "perf": stats(p_perf), "perf_as_uevscope": stats(p_uev),
           "paths": {}}
    res["matched"] = len(pairs)
    offs = sorted(abs(a["begin"] - b["begin"]) for a, b in pairs)
    res["begin_offset_ns_median"] = offs[len(offs) // 2] if offs else None
    res["begin_offset_ns_max"] = offs[-1] if offs else None
    # Signed: uevscope's stamp minus perf's. Both run at the same tracepoint hit, one after the
    # other in the order they registered (tracepoint_add_func()), so the later one's stamp
    # includes the earlier one's handler: at contention_begin and at contention_end apart.
    sb = sorted(a["begin"] - b["begin"] for a, b in pairs)
    se = sorted(a["end"] - b["end"] for a, b in pairs)
    res["stamp_begin_ns_median"] = sb[len(sb) // 2] if sb else None
    res["stamp_end_ns_median"] = se[len(se) // 2] if se else None
    skew = {}
    for a, b in pairs:
        skew[a["path"]] = skew.get(a["path"], 0) + (a["end"] - a["begin"]) - (b["end"] - b["begin"])
    res["only_uevscope"] = [dict(e, frames=None, why=explain(e, perf, "uevscope", p_all)) for e in only_u]
    res["only_perf"] = [dict(e, frames=None, why=explain(e, perf, "perf", u_all)) for e in only_p]
    for path in sorted(set(res["uevscope"]) | set(res["perf"])):
        a = res["uevscope"].get(path, {"count": 0, "total_ns": 0, "max_ns": 0})
        b = res["perf"].get(path, {"count": 0, "total_ns": 0, "max_ns": 0})

        def rel(x, y):
            return abs(x - y) / max(x, y) if max(x, y) else 0.0
        k = skew.get(path, 0)
        res["paths"][path] = {"uevscope": a, "perf": b, "count_diff": rel(a["count"], b["count"]),
                              "total_diff": rel(a["total_ns"], b["total_ns"]),
                              "max_diff": rel(a["max_ns"], b["max_ns"]),
                              # The total's difference that the stamping order of the matched
                              # events does not explain: the leftover events' and nothing else.
                              "stamp_skew_ns": k,
                              "total_diff_unexplained": rel(a["total_ns"] - k, b["total_ns"])}
    ww = [w for w in walks if t0 <= w[0] and w[1] <= t1]
    res["walks"] = len(ww)
    if as_json:
        print(json.dumps(res, default=str))
        return
    print("lock %s, window %.3f s (CLOCK_MONOTONIC %d..%d)" % (res["lock"], res["window_s"], t0, t1))
    print("%-20s %10s %10s %14s %14s %12s %12s" % ("path", "uevscope", "perf", "total uevscope", "total perf",
                                                 "max uevscope", "max perf"))
    for path, d in res["paths"].items():
        a, b = d["uevscope"], d["perf"]
        print("%-20s %10d %10d %11.3f ms %11.3f ms %9.3f ms %9.3f ms  (count %.2f%%, total %.2f%%, max %.2f%%)" % (
            path, a["count"], b["count"], a["total_ns"] / 1e6, b["total_ns"] / 1e6, a["max_ns"] / 1e6,
            b["max_ns"] / 1e6, 100 * d["count_diff"], 100 * d["total_diff"], 100 * d["max_diff"]))
    print("matched %d events (begin offset median %s ns, max %s ns); only uevscope %d, only perf %d" % (
        len(pairs), res["begin_offset_ns_median"], res["begin_offset_ns_max"], len(only_u), len(only_p)))
    print("uevscope stamps after perf by %s ns at contention_begin, %s ns at contention_end (medians);" % (
        res["stamp_begin_ns_median"], res["stamp_end_ns_median"]))
    for path, d in res["paths"].items():
        print("  %s: total differs by %.3f ms, %.3f ms of it the matched events' stamps; unexplained %.2f%%" % (
            path, (d["uevscope"]["total_ns"] - d["perf"]["total_ns"]) / 1e6, d["stamp_skew_ns"] / 1e6,
            100 * d["total_diff_unexplained"]))
    for tag, lst in (("only uevscope", res["only_uevscope"]), ("only perf", res["only_perf"])):
        for e in lst[:20]:
            print("  %s: tid %d %s %d..%d (%.1f us): %s" % (tag, e["tid"], e["path"], e["begin"], e["end"],
                                                          (e["end"] - e["begin"]) / 1e3, e["why"]))


if __name__ == "__main__":
    main()
