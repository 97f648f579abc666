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
     rejects);
  2. taker fills: no IOC/market fill at a price the venue's touch at arrival does not offer
     (a buy below the best ask, a sell above the best bid);
  3. maker fills: no fill of a resting order is credited from a print that executed before the
     order arrived: each needs a print at or through its price, or a bookTicker crossing it,
     with a venue time between the order's arrival and the fill.

Venue clock: for a message with an exchange time x (depth/bookTicker `E`, trade `T`),
venue = x + offset, offset = the file's minimum of (local - exchange) time; for a message
without one (Binance spot bookTicker, REST snapshot), venue = local - (latency of the file's
previous message that had one - offset). Arrival = the order's `arrive_ns` in fidelity.json
(with a constant entry latency it must equal created_ns + latency: checked too); a session
without fidelity.json needs a constant entry latency.

Usage: tools/fidelity_check.py SESSION_DIR [--json]
Exit status: 0 no violation, 1 violations found, 2 usage or unreadable input.
"""
import bisect
import csv
import gzip
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


def read_file(path, venue_of_file):
    """Per (venue, symbol): bbo list [(venue_ns, bid, ask)] and trades
    [(venue_ns, price, qty, buyer_is_maker)], in venue time order."""
    rows = []  # (local, exch or None, kind, payload)
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
                rows.append((local, None, "snapshot", last_symbol))
                continue
            data = msg.get("data", msg)
            stream = msg.get("stream", "")
            sym = symbol_of(data, stream)
            last_symbol = sym
            if "bookTicker" in stream or data.get("e") == "bookTicker":
                exch = data.get("E")
                rows.append((local, exch, "bbo",
                             (sym, Decimal(data["b"]), Decimal(data["a"]))))
            elif data.get("e") == "trade":
                rows.append((local, data["T"], "trade",
                             (sym, Decimal(data["p"]), Decimal(data["q"]), bool(data["m"]))))
            elif data.get("e") == "depthUpdate":
                rows.append((local, data["E"], "depth", sym))
    lat = [r[0] - r[1] * 1000000 for r in rows if r[1] is not None]
    if not lat:
        die(path + ": no message with an exchange time")
    offset = min(lat)
    out = {}
    prev_lat = offset
    for local, exch, kind, payload in rows:
        if exch is not None:
            venue = exch * 1000000 + offset
            prev_lat = local - exch * 1000000
        else:
            venue = local - (prev_lat - offset)
        if kind == "bbo":
            sym, bid, ask = payload
            out.setdefault(sym, {"bbo": [], "trade": []})["bbo"].append((venue, bid, ask))
        elif kind == "trade":
            sym, p, q, m = payload
            out.setdefault(sym, {"bbo": [], "trade": []})["trade"].append((venue, p, q, m))
    for v in out.values():
        v["bbo"].sort(key=lambda r: r[0])
        v["trade"].sort(key=lambda r: r[0])
    return {(venue_of_file, s): v for s, v in out.items()}


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
    elif entry is None:
        die("no fidelity.json and a non-constant entry latency: arrival times unknown")
    market = {}
    for df in meta["data_files"]:
        market.update(read_file(df["path"], venue_of(df["path"])))
    times = {k: [r[0] for r in v["bbo"]] for k, v in market.items()}
    ttimes = {k: [r[0] for r in v["trade"]] for k, v in market.items()}

    orders = {}
    with open(os.path.join(sess, "orders.csv")) as f:
        for r in csv.DictReader(f):
            orders[r["client_id"]] = r
    fills = list(csv.DictReader(open(os.path.join(sess, "fills.csv"))))

    viol = {"post_only_accepted_crossing": [], "taker_fill_outside_touch": [],
            "maker_fill_without_evidence": []}
    checked = {"post_only_accepted": 0, "taker_fills": 0, "maker_fills": 0}

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
        ser = market.get(key, {}).get("bbo", [])
        i = bisect.bisect_right(times.get(key, []), t)
        return ser[i - 1] if i > 0 else None

    for cid, o in orders.items():
        if o["tif"] != "post_only" or not accepted(cid, o):
            continue
        key = (o["venue"], o["symbol"])
        arrival = arrival_of(cid, o)
        b = bbo_at(key, arrival) if arrival is not None else None
        if b is None:
            continue
        checked["post_only_accepted"] += 1
        px = Decimal(o["price"])
        crossing = px >= b[2] if o["side"] == "buy" else px <= b[1]
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
        for v, p, q, m in tr[i:j]:
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
            for v, bid, ask in ser[i:j]:
                if (buy and ask <= px) or (not buy and bid >= px):
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
