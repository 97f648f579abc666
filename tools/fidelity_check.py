#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent check of a backtest session's fills against the raw recordings.

Reads the session's metadata.json (data files, entry latency), orders.csv and fills.csv, and
the raw recording files themselves (gzip text lines `<local_ns> <json>`, Binance spot and
USD-M shapes). It shares no code with the engine: it re-derives the venue's clock and the
touch from the documented rules (docs/internals/sim.md, "The venue's clock" and "The venue's
touch") and checks three things a real venue guarantees:

  1. post-only: no post-only order is accepted when the last bookTicker the venue had seen at
     the order's arrival crosses it (accepted: fidelity.json's `outcome` is `ack`; without
     fidelity.json, orders.csv `acked_ns` is not 0: fidelity.json is preferred because
     `acked_ns` is also set when a cancel leaves before the ack of an order the venue then
     rejects); an order whose crossing bookTicker level was taken since, by prints at its
     price and our other orders' taker fills, is not judged (post_only_touch_taken): the
     venue's view then depends on the depth book behind it;
  2. taker fills: no IOC/market fill at a price the venue's touch at arrival does not offer
     (a buy below the best ask, a sell above the best bid);
  3. maker fills: no fill of a resting order is credited from a print that executed before the
     order arrived: each needs a print at or through its price, or a bookTicker crossing it,
     or a depth message or snapshot setting a level at or through its price on the other side,
     processed between the order's arrival and the fill.
The touch of 1 and 2 is the last bookTicker the venue processed whose update id `u` is above
every earlier one's (an older one is ignored, as the venue does).

Venue clock: for a message with an exchange time x (depth/bookTicker/USD-M snapshot `E`, trade
`T`), venue = x + offset, offset = the file's minimum of (local - exchange) time; for a message
without one (Binance spot bookTicker and snapshot), venue = local - (latency of the file's
previous message that had one - offset). The venue processes the messages in that order through
a bounded read-ahead window (fidelity.json `replay.venue_window_ns`, default 1 s): a message
delayed beyond it is processed late, at the last released time, and the checks use that time
(a session whose reorder buffer overflowed, `replay.forced` > 0, is refused). Arrival = the
order's `arrive_ns` in fidelity.json (with a constant entry latency it must equal created_ns +
latency: checked too); a session without fidelity.json needs a constant entry latency.

Usage: tools/fidelity_check.py SESSION_DIR [--json]
Exit status: 0 no violation, 1 violations found, 2 usage or unreadable input.
"""
import bisect
import csv
import gzip
import heapq
import json
import os
import sys
from decimal import Decimal


def die(msg):
    print("fidelity_check: " + msg, file=sys.stderr)
    sys.exit(2)


def open_text(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, "rt", encoding="utf-8")


def symbol_of(data, stream):
    if "s" in data:
        return data["s"]
    if stream:
        return stream.split("@")[0].upper()
    return None


def outer_levels(bids, asks):
    """(highest bid price, lowest ask price) that a depth message or snapshot sets to a
    non-zero quantity, None for a side without one."""
    def best(levels, pick):
        prices = [float(p) for p, q in levels if float(q) != 0.0]
        if not prices:
            return None
        x = pick(prices)
        return next(Decimal(p) for p, q in levels if float(q) != 0.0 and float(p) == x)
    return best(bids, max), best(asks, min)


def read_file(path):
    """The file's messages in file order, as (venue_ns, key, kind, payload): the venue clock and
    the reading key of docs/internals/sim.md "The venue's clock" (key = the running maximum of
    the file's exchange times + offset, its local time before the first one). payload: a
    bookTicker (symbol, bid, ask, u, bid_qty, ask_qty), a trade (symbol, price, qty,
    buyer_is_maker), a depth message or snapshot (symbol, highest bid, lowest ask set to a
    non-zero quantity: outer_levels), otherwise None."""
    rows = []  # (local, exch_ns or None, kind, payload)
    last_symbol = None
    with open_text(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            sp = line.find(" ")
            if sp < 0:
                continue
            local = int(line[:sp])
            msg = json.loads(line[sp + 1:])
            if "lastUpdateId" in msg:
                # The USD-M REST snapshot carries E and uses it; the spot one has no time.
                e = msg.get("E")
                rows.append((local, e * 1000000 if e is not None else None, "depth",
                             (last_symbol,) + outer_levels(msg["bids"], msg["asks"])))
                continue
            data = msg.get("data", msg)
            stream = msg.get("stream", "")
            sym = symbol_of(data, stream)
            last_symbol = sym
            if "bookTicker" in stream or data.get("e") == "bookTicker":
                exch = data.get("E")
                rows.append((local, exch * 1000000 if exch is not None else None, "bbo",
                             (sym, Decimal(data["b"]), Decimal(data["a"]), int(data["u"]),
                              Decimal(data["B"]), Decimal(data["A"]))))
            elif data.get("e") == "trade":
                rows.append((local, data["T"] * 1000000, "trade",
                             (sym, Decimal(data["p"]), Decimal(data["q"]), bool(data["m"]))))
            elif data.get("e") == "depthUpdate":
                rows.append((local, data["E"] * 1000000, "depth",
                             (sym,) + outer_levels(data["b"], data["a"])))
    lat = [r[0] - r[1] for r in rows if r[1] is not None]
    if not lat:
        die(path + ": no message with an exchange time")
    offset = min(lat)
    out = []
    prev_lat = offset
    key = None
    for local, exch, kind, payload in rows:
        if exch is not None:
            venue = exch + offset
            prev_lat = local - exch
            if key is None or venue > key:
                key = venue
        else:
            venue = local - (prev_lat - offset)
        out.append((venue, key if key is not None else local, kind, payload))
    return out


def processing_order(files, window):
    """The venue's processing sequence of all files' messages, as (time, file, index): the
    files merged by key (ties to the earlier file), a message read while its key is below
    max(earliest waiting venue time, last released) + window, the earliest (venue time, read
    order) released; one below the last released time is processed at that time (late). With
    a window shorter than a message's delay the venue sees it after later ones: the checks
    below use these times, not the bare venue times (docs/internals/sim.md "The venue's
    clock")."""
    keyed = sorted((m[1], fidx, i) for fidx, msgs in enumerate(files)
                   for i, m in enumerate(msgs))
    out, heap, last = [], [], None
    p, n, seq = 0, len(keyed), 0
    while True:
        while p < n:
            if heap:
                nxt = heap[0][0] if last is None or heap[0][0] > last else last
                if keyed[p][0] >= nxt + window:
                    break
            _, fidx, i = keyed[p]
            heapq.heappush(heap, (files[fidx][i][0], seq, fidx, i))
            seq += 1
            p += 1
        if not heap:
            return out
        v, _, fidx, i = heapq.heappop(heap)
        if last is not None and v < last:
            v = last
        last = v
        out.append((v, fidx, i))


def market_series(files, venues, window):
    """Per (venue, symbol): `bbo` [(time, bid, ask, u, bid_qty, ask_qty, seq)], `touch` (the
    bookTickers the venue takes: in processing order, one whose update id is not above the
    previous one's is older state and is ignored, docs/internals/sim.md "The venue's touch";
    the spot bookTicker has no exchange time, so a newer one can come first), `trade`
    [(time, price, qty, buyer_is_maker, seq)] and `depth` [(time, highest bid, lowest ask)], each in processing order, time = processing
    time, seq = position in the venue's processing sequence (messages processed late share a
    time)."""
    out = {}
    top_u = {}
    for seq, (t, fidx, i) in enumerate(processing_order(files, window)):
        _, _, kind, payload = files[fidx][i]
        if kind not in ("bbo", "trade", "depth") or payload[0] is None:
            continue
        key = (venues[fidx], payload[0])
        ser = out.setdefault(key, {"bbo": [], "touch": [], "trade": [], "depth": []})
        if kind == "depth":
            ser["depth"].append((t,) + payload[1:])
            continue
        if kind == "trade":
            ser["trade"].append((t,) + payload[1:] + (seq,))
            continue
        row = (t,) + payload[1:] + (seq,)
        ser["bbo"].append(row)
        if key not in top_u or row[3] > top_u[key]:
            ser["touch"].append(row)
            top_u[key] = row[3]
    return out


def venue_of(path):
    low = path.lower()
    if "usdm" in low or "futures" in low:
        return "binance_usdm"
    return "binance_spot"


def last_before(series, t):
    i = bisect.bisect_right([r[0] for r in series], t)
    return series[i - 1] if i > 0 else None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    as_json = "--json" in sys.argv[1:]
    if len(args) != 1:
        die("usage: fidelity_check.py SESSION_DIR [--json]")
    sess = args[0]
    try:
        meta = json.load(open(os.path.join(sess, "metadata.json")))
    except OSError as e:
        die(str(e))
    lat = meta["engine"]["entry_latency"]
    entry = int(lat["a_ns"]) if lat.get("kind") == "constant" else None
    # Venue arrival times: fidelity.json records them (any latency model); with a constant
    # entry latency they must equal created_ns + latency (checked below).
    arrive = {}
    outcome = {}
    window = 1000000000  # the engine's default reorder window; fidelity.json names the one used
    fpath = os.path.join(sess, "fidelity.json")
    if os.path.exists(fpath):
        try:
            fid = json.load(open(fpath))
        except (OSError, ValueError) as e:
            die("%s: %s" % (fpath, e))
        for o in fid.get("orders", []):
            if o.get("arrive_ns") is not None:
                arrive[str(o["client_id"])] = int(o["arrive_ns"])
            outcome[str(o["client_id"])] = o.get("outcome")
        replay = fid.get("replay", {})
        window = int(replay.get("venue_window_ns", window))
        if replay.get("forced", 0) > 0:
            die("%s: %d venue messages released early by a full reorder buffer: not modelled"
                % (fpath, replay["forced"]))
    elif entry is None:
        die("no fidelity.json and a non-constant entry latency: arrival times unknown")
    files = [read_file(df["path"]) for df in meta["data_files"]]
    market = market_series(files, [venue_of(df["path"]) for df in meta["data_files"]], window)
    times = {k: [r[0] for r in v["bbo"]] for k, v in market.items()}
    touch_times = {k: [r[0] for r in v["touch"]] for k, v in market.items()}
    depth_times = {k: [r[0] for r in v["depth"]] for k, v in market.items()}
    ttimes = {k: [r[0] for r in v["trade"]] for k, v in market.items()}

    orders = {}
    with open(os.path.join(sess, "orders.csv")) as f:
        for r in csv.DictReader(f):
            orders[r["client_id"]] = r
    fills = list(csv.DictReader(open(os.path.join(sess, "fills.csv"))))

    viol = {"post_only_accepted_crossing": [], "taker_fill_outside_touch": [],
            "maker_fill_without_evidence": []}
    checked = {"post_only_accepted": 0, "post_only_touch_taken": 0, "taker_fills": 0,
               "maker_fills": 0}
    taker_fills = {}
    for fl in fills:
        if fl["liquidity"] == "taker":
            taker_fills.setdefault((fl["venue"], fl["symbol"]), []).append(fl)

    def taken_since(key, buy, price, bbo, t1, cid):
        """Quantity taken from the level at `price` on the side a buy (ask) or a sell (bid)
        would cross, since the bookTicker `bbo` was processed: by prints processed after it up
        to t1 and by our other orders' taker fills from its time to t1: the venue's touch no
        longer offers what was taken (docs/internals/sim.md "The venue's touch", 2)."""
        t0 = bbo[0]
        q = Decimal(0)
        tr = market.get(key, {}).get("trade", [])
        tt = ttimes.get(key, [])
        for v, p, pq, m, seq in tr[bisect.bisect_left(tt, t0):bisect.bisect_right(tt, t1)]:
            # a buying aggressor lifts asks, a selling one hits bids
            if seq > bbo[6] and p == price and m != buy:
                q += pq
        for fl in taker_fills.get(key, []):
            if (fl["client_id"] != cid and t0 <= int(fl["ts_ns"]) <= t1
                    and (fl["side"] == "buy") == buy and Decimal(fl["price"]) == price):
                q += Decimal(fl["qty"])
        return q

    def accepted(cid, o):
        # The venue's own verdict when fidelity.json has it: orders.csv `acked_ns` is the
        # strategy side's record, and an order cancelled before its ack carries the cancel's
        # send time there even when the venue then rejected it.
        if cid in outcome:
            return outcome[cid] == "ack"
        return o["acked_ns"] != "0"

    def arrival_of(cid, o):
        if cid in arrive:
            return arrive[cid]
        return int(o["created_ns"]) + entry if entry is not None else None

    bad_arrival = []
    if entry is not None:
        for cid, t in arrive.items():
            o = orders.get(cid)
            if o is not None and t != int(o["created_ns"]) + entry:
                bad_arrival.append({"client_id": int(cid), "arrive_ns": t,
                                    "created_ns": int(o["created_ns"]), "entry_ns": entry})
    viol["arrival_not_created_plus_latency"] = bad_arrival

    def bbo_at(key, t):
        ser = market.get(key, {}).get("touch", [])
        i = bisect.bisect_right(touch_times.get(key, []), t)
        return ser[i - 1] if i > 0 else None

    for cid, o in orders.items():
        if o["tif"] != "post_only" or not accepted(cid, o):
            continue
        key = (o["venue"], o["symbol"])
        arrival = arrival_of(cid, o)
        b = bbo_at(key, arrival) if arrival is not None else None
        if b is None:
            continue
        px = Decimal(o["price"])
        buy = o["side"] == "buy"
        crossing = px >= b[2] if buy else px <= b[1]
        if crossing and taken_since(key, buy, b[2] if buy else b[1], b, arrival,
                                    cid) >= (b[5] if buy else b[4]):
            checked["post_only_touch_taken"] += 1
            continue
        checked["post_only_accepted"] += 1
        if crossing:
            viol["post_only_accepted_crossing"].append(
                {"client_id": int(cid), "price": str(px), "bid": str(b[1]), "ask": str(b[2]),
                 "arrival_ns": arrival, "bbo_venue_ns": b[0]})

    for fl in fills:
        o = orders.get(fl["client_id"])
        if o is None:
            continue
        key = (fl["venue"], fl["symbol"])
        arrival = arrival_of(fl["client_id"], o)
        if arrival is None:
            continue
        px = Decimal(fl["price"])
        if fl["liquidity"] == "taker":
            b = bbo_at(key, arrival)
            if b is None:
                continue
            checked["taker_fills"] += 1
            bad = px < b[2] if fl["side"] == "buy" else px > b[1]
            if bad:
                viol["taker_fill_outside_touch"].append(
                    {"fill_id": int(fl["fill_id"]), "client_id": int(fl["client_id"]),
                     "side": fl["side"], "price": str(px), "bid": str(b[1]), "ask": str(b[2]),
                     "arrival_ns": arrival})
            continue
        checked["maker_fills"] += 1
        t = int(fl["ts_ns"])
        buy = fl["side"] == "buy"
        ok = False
        tr = market.get(key, {}).get("trade", [])
        tt = ttimes.get(key, [])
        i = bisect.bisect_left(tt, arrival)
        j = bisect.bisect_right(tt, t)
        for v, p, q, m, _ in tr[i:j]:
            # our buy fills from a selling aggressor (buyer is maker) at or below our price
            if buy and m and p <= px:
                ok = True
                break
            if not buy and not m and p >= px:
                ok = True
                break
        if not ok:
            ser = market.get(key, {}).get("bbo", [])
            bt = times.get(key, [])
            i = bisect.bisect_left(bt, arrival)
            j = bisect.bisect_right(bt, t)
            for v, bid, ask, _, _, _, _ in ser[i:j]:
                if (buy and ask <= px) or (not buy and bid >= px):
                    ok = True
                    break
        if not ok:
            # A depth message or snapshot that put a level at or through our price on the other
            # side: the venue's book crossed us (docs/internals/sim.md "Book cross").
            ser = market.get(key, {}).get("depth", [])
            dt = depth_times.get(key, [])
            for v, bid, ask in ser[bisect.bisect_left(dt, arrival):bisect.bisect_right(dt, t)]:
                if (buy and ask is not None and ask <= px) or (
                        not buy and bid is not None and bid >= px):
                    ok = True
                    break
        if not ok:
            viol["maker_fill_without_evidence"].append(
                {"fill_id": int(fl["fill_id"]), "client_id": int(fl["client_id"]),
                 "side": fl["side"], "price": str(px), "arrival_ns": arrival, "fill_ns": t})

    result = {"checked": checked, "violations": {k: len(v) for k, v in viol.items()},
              "details": viol}
    if as_json:
        print(json.dumps(result, indent=1))
    else:
        for k, v in checked.items():
            print("checked %-22s %d" % (k, v))
        for k, v in viol.items():
            print("violations %-30s %d" % (k, len(v)))
            for d in v[:5]:
                print("   ", d)
    sys.exit(1 if any(viol.values()) else 0)


if __name__ == "__main__":
    main()
