#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a fidelity_random session (tests/fidelity_random.c) really exercised, from its files.

Counts, from the session's fidelity.json, orders.csv, events.log and metadata.json only: the
orders by type and time in force with the venue's verdict, the reject reasons, the fills by
evidence, the cancels by outcome and circumstance, and the replay's late count; then checks that
every venue path the random strategy is meant to reach occurred at least once, so that a
change of the strategy, the data or the engine cannot make tests/fidelity_check.sh pass on
sessions that no longer reach the paths (the re-simulation of a path that never occurs proves
nothing).

Kinds checked for every session (KINDS below) and, given on the command line, the variant's own:
`late` (the venue-order buffer processed messages late: a short window), `early_stop` (the
strategy stopped the run before the end of the data), `probabilistic` (the probabilistic queue
model).

Usage: tests/fidelity_random_cover.py SESSION_DIR [late] [early_stop] [probabilistic]
Exit status: 0 every kind occurred; 1 some never did (named); 2 usage or unreadable input.
"""
import collections
import csv
import json
import os
import sys

PROG = "fidelity_random_cover"

# Every session must show each of these at least once.
KINDS = (
    # the venue accepted each order type
    "ack_gtc", "ack_ioc", "ack_fok", "ack_post_only", "ack_market",
    # the reasons it re-derives (tools/fidelity_resim.py), and reduce-only on arrival
    "reject_fok", "reject_post_only", "reject_tick", "reject_lot", "reject_min_notional",
    "reject_book_stale", "reject_reduce_only",
    # every fill evidence
    "fill_taker_walk", "fill_trade_through", "fill_trade_queue", "fill_book_cross",
    # an order walking several levels; a GTC that took, then rested and filled as maker (the
    # cross guard's case); a GTC filled by a book cross
    "walk_several_levels", "gtc_took_then_rested", "gtc_book_cross",
    # a resting reduce-only order filled, and one expired when its position was gone
    "reduce_only_maker_fill", "reduce_only_resting_expired",
    # cancels: won the race, lost it (filled or expired first), of an order the venue rejected,
    # sent before the order's ack, sent at the stop (on_stop)
    "canceled", "cancel_reject_after_ack", "cancel_reject_of_rejected", "cancel_before_ack",
    "cancel_at_stop",
)
EXTRA = ("late", "early_stop", "probabilistic")


def fail(where, what):
    print("%s: %s: %s" % (PROG, where, what), file=sys.stderr)
    sys.exit(2)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(path, str(e))


def load_events(path):
    out = []
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                try:
                    out.append(json.loads(line))
                except ValueError as e:
                    fail("%s:%d" % (path, n), str(e))
    except OSError as e:
        fail(path, str(e))
    return out


def count(sess):
    """(counters, set of kinds that occurred) of one session."""
    fid = load_json(os.path.join(sess, "fidelity.json"))
    meta = load_json(os.path.join(sess, "metadata.json"))
    events = load_events(os.path.join(sess, "events.log"))
    try:
        with open(os.path.join(sess, "orders.csv")) as f:
            csv_orders = {int(r["client_id"]): r for r in csv.DictReader(f)}
    except (OSError, KeyError, ValueError) as e:
        fail(os.path.join(sess, "orders.csv"), str(e))

    seen = set()
    c = collections.OrderedDict()
    orders = {o["client_id"]: o for o in fid["orders"]}
    fills_of = collections.defaultdict(list)
    for f in fid["fills"]:
        fills_of[f["client_id"]].append(f)

    by_kind = collections.Counter()
    rejects = collections.Counter()
    for o in fid["orders"]:
        kind = "market" if o["type"] == "market" else o["tif"]
        verdict = o["outcome"] or "in_flight"
        by_kind[(kind, verdict)] += 1
        if verdict == "ack":
            seen.add("ack_" + kind)
        if verdict == "reject":
            rejects[o["reject"]] += 1
            seen.add("reject_" + o["reject"])
    c["orders"] = by_kind
    c["rejects"] = rejects

    evidence = collections.Counter(f["evidence"] for f in fid["fills"])
    c["fills"] = evidence
    seen.update("fill_" + e for e in evidence)
    for cid, fl in fills_of.items():
        o = orders[cid]
        taker = [f for f in fl if f["liquidity"] == "taker"]
        maker = [f for f in fl if f["liquidity"] == "maker"]
        if len({f["price"] for f in taker}) >= 2:
            seen.add("walk_several_levels")
        if o["tif"] == "gtc" and o["type"] == "limit":
            if taker and maker:
                seen.add("gtc_took_then_rested")
            if any(f["evidence"] == "book_cross" for f in fl):
                seen.add("gtc_book_cross")
        if o["reduce_only"] and maker:
            seen.add("reduce_only_maker_fill")

    for cid, r in csv_orders.items():
        o = orders.get(cid)
        if (o is not None and o["reduce_only"] and o["tif"] in ("gtc", "post_only")
                and o["outcome"] == "ack" and r["status"] == "expired"):
            seen.add("reduce_only_resting_expired")

    # Cancels. The strategy logs random_end in on_stop with the engine time it cancelled at.
    stop_ns = [e["ts_ns"] for e in events if e.get("event") == "random_end"]
    cancels = collections.Counter()
    for o in fid["orders"]:
        if o["cancel_sent_ns"] is None:
            continue
        out = o["cancel_outcome"] or "in_flight"
        cancels[out] += 1
        if out == "canceled":
            seen.add("canceled")
        elif out == "cancel_reject":
            if o["outcome"] == "ack":
                seen.add("cancel_reject_after_ack")
                cancels["cancel_reject after a fill or expiry"] += 1
            elif o["outcome"] == "reject":
                seen.add("cancel_reject_of_rejected")
                cancels["cancel_reject of a rejected order"] += 1
        if o["arrive_ns"] is not None and o["cancel_sent_ns"] < o["arrive_ns"]:
            seen.add("cancel_before_ack")
            cancels["sent before the order reached the venue"] += 1
        if stop_ns and o["cancel_sent_ns"] == stop_ns[0]:
            seen.add("cancel_at_stop")
            cancels["sent at the stop"] += 1
    c["cancels"] = cancels

    rep = fid["replay"]
    c["replay"] = collections.OrderedDict(
        (("window_ms", rep["venue_window_ns"] / 1e6), ("late", rep["late"]),
         ("forced", rep["forced"])))
    if rep["late"] > 0:
        seen.add("late")
    if any(e.get("event") == "random_stop" for e in events):
        seen.add("early_stop")
        c["replay"]["stopped_after_s"] = next(
            e["after_ns"] for e in events if e.get("event") == "random_stop") / 1e9
    if meta["engine"]["queue_model"] == "probabilistic_power":
        seen.add("probabilistic")
    c["replay"]["queue_model"] = meta["engine"]["queue_model"]
    # orders.csv `acked_ns` of orders the venue rejected: must be 0 (an OMS bug recorded the
    # send time of a cancel that left before the ack; docs/internals/oms.md).
    c["replay"]["rejected_with_acked_ns"] = sum(
        1 for cid, r in csv_orders.items()
        if cid in orders and orders[cid]["outcome"] == "reject" and r["acked_ns"] != "0")
    return c, seen


def show(c):
    o = c["orders"]
    kinds = ("gtc", "ioc", "fok", "post_only", "market")
    print("  orders   %d: %s" % (
        sum(o.values()),
        ", ".join("%s %d/%d" % (k, o[(k, "ack")], o[(k, "reject")]) for k in kinds)),
        "(ack/reject)")
    print("  rejects  " + ", ".join("%s %d" % kv for kv in sorted(c["rejects"].items())))
    print("  fills    %d: %s" % (sum(c["fills"].values()),
                                 ", ".join("%s %d" % kv for kv in sorted(c["fills"].items()))))
    print("  cancels  " + ", ".join("%s %d" % kv for kv in c["cancels"].items()))
    print("  replay   " + ", ".join("%s %s" % kv for kv in c["replay"].items()))


def main(argv):
    if len(argv) < 1 or argv[0].startswith("-") or any(a not in EXTRA for a in argv[1:]):
        print("usage: %s SESSION_DIR [%s]..." % (PROG, "|".join(EXTRA)), file=sys.stderr)
        return 2
    sess = argv[0]
    c, seen = count(sess)
    show(c)
    if c["replay"]["rejected_with_acked_ns"] != 0:
        print("%s: %s: %d orders the venue rejected have an ack time in orders.csv"
              % (PROG, sess, c["replay"]["rejected_with_acked_ns"]))
        return 1
    missing = [k for k in KINDS + tuple(argv[1:]) if k not in seen]
    if missing:
        print("%s: %s: never exercised: %s" % (PROG, sess, ", ".join(missing)))
        return 1
    print("  covered  all %d kinds" % (len(KINDS) + len(argv) - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
