#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent re-simulation of a backtest session's simulated venue from the raw recordings.

Reads a session directory and the raw recordings its metadata.json names, replays the venue side
of the market by the documented rules, re-derives every fill and every accept / reject decision
it can, and compares them with what the engine wrote (fills.csv, fidelity.json). It shares no
code with the engine (no import, no call, no translation of its C): the rules come from
docs/internals/sim.md, docs/internals/fidelity.md and the venues' documentation (Binance "How to
manage a local order book correctly", spot and USD-M; "Diff. Depth Stream" and "Individual
Symbol Book Ticker Streams": bookTicker and depth share one update-id sequence per symbol).

Inputs taken as given (the latency and account side):
  * fidelity.json, per order: instrument, side, type, time in force, reduce-only, limit price,
    quantity (checked against orders.csv); `arrive_ns`, the venue time it reached the venue
    (strategy time + sampled entry latency, clamped by the ordered session; null: it never did,
    skipped); `cancel_arrive_ns`; `sent_ns` / `cancel_sent_ns` order requests that arrive at the
    same instant (the venue's creation order; an order before a cancel sent with it).
    `replay.venue_window_ns` is the reorder window; `replay.forced` must be 0 (not modelled).
  * rejects that need the account model or the request's identity: `balance`, `margin`,
    `reduce_only`, `duplicate_id`, `invalid` are taken from fidelity.json (the order then does
    nothing). `book_stale`, `tick`, `lot`, `min_qty`, `min_notional`, `no_liquidity`,
    `post_only` and `fok` are re-derived and compared, and so is every acceptance.
  * metadata.json: the data files in the engine's order (each checked against its SHA-256),
    `engine.queue_model` (`risk_averse` or `probabilistic_<fn>`, fn = power, log, power2, log2,
    power3) and `engine.queue_power`;
    instruments.csv: exponents, tick, lot, min_qty, min_notional, multiplier, kind.
  * events.log, when present: the "stop" event's `venue_messages`, the number of venue messages
    the run released before its replay ended (a strategy can stop a run early); the rest of the
    run (cancels of on_stop) happens without market data.
  * one account per venue (every bundled configuration): the perp position that limits
    reduce-only orders is the sum of this replay's own fills on the instrument, from zero.
  * the engine's default capacities: 16384 book levels per side, 65536 buffered delta events
    while a book waits for a snapshot (the oldest whole messages are dropped), 32 entries in an
    instrument's taken-liquidity table (the oldest is dropped).

Rules implemented (docs/internals/sim.md sections in brackets):
  * Recordings: gzip or plain lines `<local_ns> <json>`, Binance spot and USD-M combined streams
    (depthUpdate, bookTicker, trade) and REST depth snapshots; a snapshot belongs to the symbol
    of the file's previous stream message. A file is USD-M when its first decisive line is a
    depthUpdate with `pu` or a bookTicker with `"e"`, spot otherwise.
  * [The venue's clock] exchange time x: `E` of depth messages, snapshots and bookTickers that
    have one, `T` of trades. offset = the file's minimum of local - x; venue time = x + offset,
    or for a message without x: local - (local - x of the file's previous message with x, minus
    offset). Reading: the files are merged by a key, per file the running maximum of x + offset
    (a message without x keeps the previous key; before the first x, its local time), ties to
    the earlier file. A message is read
    into the buffer while its key is below max(earliest waiting venue time, last released) +
    window; then the earliest (venue time, read order) leaves. One below the last released time
    is processed at that time and counted late (a run stopped early counts only the messages
    it replayed).
  * Order at one instant: an order or cancel arrival due strictly before a market message's
    venue time is processed before it, one at the same time after it; arrivals at one time in
    creation order. The venue clock is the latest time processed; fills carry it.
  * Depth book (Binance rules): deltas wait for a snapshot (buffered); a snapshot replaces the
    book (levels applied in order onto an empty book) and sets last = lastUpdateId, then the
    buffer replays: spot drops u <= last and applies U <= last + 1, USD-M drops u < last and
    applies U <= last; later deltas: u <= last is dropped, otherwise spot needs U == last + 1,
    USD-M pu == last. A gap, a book crossed by an insert or update, or a side over capacity
    makes it stale (buffering from that message) until a snapshot; a synced book ignores a
    snapshot whose id is not above last. Quantity 0 deletes.
  * [The venue's touch] the last accepted bookTicker (both prices positive, update id above the
    previous one's) is the best level while its id is above the depth book's last id: depth
    levels at or better than its price are skipped, the rest follow. Every level offers its
    quantity minus the taken-liquidity table: our taker fills and every public print (its size
    at its price, on the side it hit), cleared by every depth or snapshot message (applied or
    not) and every accepted bookTicker. Book age = clock - the venue time of the touch's
    source (that bookTicker, else the last depth message), -1 when unknown.
  * [Arrival of an order] book missing or not synced -> book_stale; limit price off the tick,
    quantity off the lot, below min_qty; market order with an empty venue side -> no_liquidity;
    notional at the limit price (market: the venue's best opposite price), rounded half away at
    1e-8, below min_notional (reduce-only perp orders exempt); the given account reject;
    post-only with anything left on a crossing opposite level -> post_only; FOK whose quantity
    is not available within its limit -> fok. Accepted: the venue's opposite side is walked
    from its best level while it crosses the limit (market: any price), one taker fill per
    level of min(level, remaining, reduce-only room), the view re-read after each; an IOC or
    market remainder expires, a GTC remainder rests (expires when its reduce-only room is used
    up) with queue ahead = the depth book's quantity at its price, and a cross guard if it took.
  * [Resting orders and queue position] a print fills only the side its aggressor hits. Pass 1,
    in arrival order, orders it went through: queue ahead 0, fill min(remaining, what is left of
    the print). Pass 2, orders at its price: the queue ahead shrinks by the whole print, the
    excess over the old queue fills, bounded by what is left. Depth or snapshot message on a
    synced book, level at our price changed since the last change: risk-averse queue =
    min(queue, level); probabilistic (only for a delta after a synced one): d = previous
    level - new level - prints at our price since, front = queue, back = previous - front,
    p = the probability the decrease was behind us: power f(b/t)/(f(b/t)+f(f/t)), f(x) = x^n,
    t = front + back, n = queue_power; log ln(1+b u)/(ln(1+b u)+ln(1+f u)), u = 10^qty_exp
    (venue units); power2 (b/t)^n; log2 ln(1+b u)/ln(1+t u); power3 1-(f/t)^n; advance
    (1 - p) d plus any part of p d beyond back, in binary floating point, rounded down after
    adding 1e-6 (the whole front at most), then the clamp. Book cross after every depth or
    snapshot message and every accepted bookTicker, on a synced book: an order the venue's touch
    reaches (ask <= bid price, bid >= ask price) fills its remainder at its price, unless its
    cross guard holds (cleared when not crossed). A reduce-only order with no room left expires
    at its next fill.
  * [Cancels] at its arrival: a resting order is canceled, anything else is a cancel reject.

Compared: every fill (order, venue time, price, quantity, liquidity, evidence, the venue's touch
and book age after it) with fills.csv + fidelity.json, per order and in fill-id order; every
arrived order's outcome and reject reason, with the touch and book age for acks and post-only
rejects; every cancel's outcome; the replay's late count.

Usage: tools/fidelity_resim.py SESSION_DIR [--json]
Exit status: 0 everything matches, 1 a mismatch, 2 usage or unreadable input (the message names
the file and line).
"""
import bisect
import csv
import gzip
import hashlib
import heapq
import json
import math
import os
import sys
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

PROG = "fidelity_resim"
BID, ASK = 0, 1
SNAP, DEPTH, BBO, TRADE = 0, 1, 2, 3
BOOK_MAX_LEVELS = 16384
BOOK_MAX_BUFFERED = 65536
USED_MAX = 32
DEFAULT_WINDOW_NS = 1000000000
GIVEN_REJECTS = ("balance", "margin", "reduce_only", "duplicate_id", "invalid")


class Unreadable(Exception):
    """Input that cannot be used: exit status 2 with the message."""


def fail(where, what):
    raise Unreadable("%s: %s" % (where, what))


# -------------------------------------------------------------------------------------------
# decimals
# -------------------------------------------------------------------------------------------

def mantissa(s, exp, where="number"):
    """Exact integer mantissa of decimal string s at 10^exp; ValueError when not exact."""
    if exp <= 0 and "e" not in s and "E" not in s:
        d = -exp
        neg = s.startswith("-")
        body = s[1:] if neg else s
        if "." in body:
            w, f = body.split(".", 1)
        else:
            w, f = body, ""
        if not (w + f).isdigit():
            raise ValueError("%s: not a decimal number: %r" % (where, s))
        if len(f) > d:
            if f[d:].strip("0"):
                raise ValueError("%s: %r is finer than 1e%d" % (where, s, exp))
            f = f[:d]
        else:
            f = f + "0" * (d - len(f))
        v = int((w + f) or "0")
        return -v if neg else v
    try:
        x = Decimal(s).scaleb(-exp)
    except InvalidOperation:
        raise ValueError("%s: not a decimal number: %r" % (where, s))
    if x != x.to_integral_value():
        raise ValueError("%s: %r is finer than 1e%d" % (where, s, exp))
    return int(x)


def fmt(m, exp):
    """Decimal string of mantissa m at 10^exp (as the session files write it)."""
    if exp >= 0:
        return str(m * 10 ** exp)
    d = -exp
    neg = m < 0
    s = str(-m if neg else m).rjust(d + 1, "0")
    return ("-" if neg else "") + s[:-d] + "." + s[-d:]


# -------------------------------------------------------------------------------------------
# instruments
# -------------------------------------------------------------------------------------------

class InstInfo:
    __slots__ = ("venue", "symbol", "pe", "qe", "tick", "lot", "min_qty", "min_notional",
                 "mult", "is_perp")


def load_instruments(path, wanted):
    out = {}
    try:
        f = open(path, newline="")
    except OSError as e:
        fail(path, e.strerror)
    with f:
        rd = csv.reader(f)
        try:
            head = next(rd)
        except StopIteration:
            fail(path, "empty file")
        need = ("venue", "symbol", "kind", "price_exp", "qty_exp", "tick", "lot", "min_qty",
                "min_notional", "multiplier")
        for k in need:
            if k not in head:
                fail(path + ":1", "missing column " + k)
        col = {k: head.index(k) for k in head}
        for row in rd:
            if len(row) != len(head):
                fail("%s:%d" % (path, rd.line_num), "expected %d fields" % len(head))
            key = (row[col["venue"]], row[col["symbol"]])
            if key not in wanted:
                continue
            try:
                ii = InstInfo()
                ii.venue, ii.symbol = key
                ii.pe = int(row[col["price_exp"]])
                ii.qe = int(row[col["qty_exp"]])
                ii.tick = mantissa(row[col["tick"]], ii.pe, "tick")
                ii.lot = mantissa(row[col["lot"]], ii.qe, "lot")
                ii.min_qty = mantissa(row[col["min_qty"]], ii.qe, "min_qty")
                ii.min_notional = Decimal(row[col["min_notional"]])
                ii.mult = Decimal(row[col["multiplier"]])
                ii.is_perp = row[col["kind"]] != "spot"
            except (ValueError, InvalidOperation) as e:
                fail("%s:%d" % (path, rd.line_num), str(e))
            out[key] = ii
    for key in wanted:
        if key not in out:
            fail(path, "no instrument %s %s" % key)
    return out


# -------------------------------------------------------------------------------------------
# recordings
# -------------------------------------------------------------------------------------------

def open_text(path):
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rt", encoding="utf-8")
        return open(path, "rt", encoding="utf-8")
    except OSError as e:
        fail(path, e.strerror)


def detect_venue(path):
    """binance_usdm or binance_spot from the file's content (first decisive line)."""
    with open_text(path) as f:
        for i, line in enumerate(f):
            if i >= 1024:
                break
            if '"e":"depthUpdate"' in line:
                return "binance_usdm" if '"pu":' in line else "binance_spot"
            if '"e":"bookTicker"' in line:
                return "binance_usdm"
            if '@bookTicker"' in line:
                return "binance_spot"
    fail(path, "not a Binance spot or USD-M recording (no depthUpdate or bookTicker line "
               "in the first 1024 lines)")


def read_recording(path, insts):
    """The file's messages in file order: lists local[], exch[] (ns or None) and msg[]
    (kind, instrument key or None, payload or None for instruments without orders)."""
    venue = detect_venue(path)
    loc, exch, msgs = [], [], []
    last_sym = None
    memo_p, memo_q = {}, {}
    lineno = 0
    f = open_text(path)
    try:
        for line in f:
            lineno += 1
            line = line.strip()
            if not line:
                continue
            where = "%s:%d" % (path, lineno)
            sp = line.find(" ")
            if sp <= 0 or not line[:sp].isdigit():
                fail(where, "expected '<local_ns> <json>'")
            t = int(line[:sp])
            try:
                m = json.loads(line[sp + 1:])
            except ValueError as e:
                fail(where, "bad JSON: %s" % e)
            try:
                if "lastUpdateId" in m:
                    if last_sym is None:
                        fail(where, "snapshot before any stream message (symbol unknown)")
                    key = (venue, last_sym)
                    x = m["E"] * 1000000 if "E" in m else None
                    ii = insts.get(key)
                    payload = None
                    if ii is not None:
                        lv = levels(m["bids"], BID, ii, memo_p, memo_q) + \
                            levels(m["asks"], ASK, ii, memo_p, memo_q)
                        payload = (m["lastUpdateId"], lv)
                    loc.append(t)
                    exch.append(x)
                    msgs.append((SNAP, key, payload))
                    continue
                stream = m["stream"]
                d = m["data"]
                sym = d["s"]
                last_sym = sym
                key = (venue, sym)
                ii = insts.get(key)
                kind_s = stream[stream.find("@") + 1:]
                if kind_s.startswith("depth"):
                    payload = None
                    if ii is not None:
                        lv = levels(d["b"], BID, ii, memo_p, memo_q) + \
                            levels(d["a"], ASK, ii, memo_p, memo_q)
                        payload = (d["U"], d["u"], d.get("pu"), lv)
                    loc.append(t)
                    exch.append(d["E"] * 1000000)
                    msgs.append((DEPTH, key, payload))
                elif kind_s == "bookTicker":
                    payload = None
                    if ii is not None:
                        payload = (d["u"], conv(d["b"], ii.pe, memo_p), conv(d["B"], ii.qe, memo_q),
                                   conv(d["a"], ii.pe, memo_p), conv(d["A"], ii.qe, memo_q))
                    loc.append(t)
                    exch.append(d["E"] * 1000000 if "E" in d else None)
                    msgs.append((BBO, key, payload))
                elif kind_s == "trade":
                    payload = None
                    if ii is not None:
                        payload = (conv(d["p"], ii.pe, memo_p), conv(d["q"], ii.qe, memo_q),
                                   not d["m"])
                    loc.append(t)
                    exch.append(d["T"] * 1000000)
                    msgs.append((TRADE, key, payload))
                else:
                    fail(where, "unknown stream %r" % stream)
            except (KeyError, TypeError) as e:
                fail(where, "missing or malformed field %s" % e)
            except ValueError as e:
                fail(where, str(e))
    except (OSError, EOFError, UnicodeDecodeError) as e:
        fail("%s:%d" % (path, lineno + 1), "unreadable: %s" % e)
    finally:
        f.close()
    if not msgs:
        fail(path, "no messages")
    return venue, loc, exch, msgs


def conv(s, exp, memo):
    v = memo.get(s)
    if v is None:
        v = mantissa(s, exp)
        memo[s] = v
    return v


def levels(arr, side, ii, memo_p, memo_q):
    out = []
    for p, q in arr:
        a = memo_p.get(p)
        if a is None:
            a = memo_p[p] = mantissa(p, ii.pe)
        b = memo_q.get(q)
        if b is None:
            b = memo_q[q] = mantissa(q, ii.qe)
        out.append((side, a, b))
    return out


def venue_order(files, window):
    """The release sequence of every file's messages: a list of (venue_ns, file, index) and
    the positions in it of the late messages, increasing (docs/internals/sim.md "The venue's
    clock")."""
    keyed = []
    for fidx, (path, venue, loc, exch, msgs) in enumerate(files):
        lat = [l - x for l, x in zip(loc, exch) if x is not None]
        off = min(lat) if lat else 0
        key = 0
        last_lat = off
        for i in range(len(msgs)):
            x = exch[i]
            if x is not None:
                if x + off > key:
                    key = x + off
                last_lat = loc[i] - x
                vns = x + off
            else:
                vns = loc[i] - (last_lat - off)
            if key == 0:
                key = loc[i]   # no exchange time yet: the local time stands in
            keyed.append((key, fidx, i, vns))
    keyed.sort()
    out = []
    heap = []
    late = []
    last_out = None
    p, n = 0, len(keyed)
    seq = 0
    while True:
        while p < n:
            if heap:
                nxt = heap[0][0]
                if last_out is not None and nxt < last_out:
                    nxt = last_out
                if keyed[p][0] >= nxt + window:
                    break
            k, fidx, i, vns = keyed[p]
            heapq.heappush(heap, (vns, seq, fidx, i))
            seq += 1
            p += 1
        if not heap:
            break
        v, _, fidx, i = heapq.heappop(heap)
        if last_out is not None and v < last_out:
            v = last_out
            late.append(len(out))
        last_out = v
        out.append((v, fidx, i))
    return out, late


# -------------------------------------------------------------------------------------------
# the depth book
# -------------------------------------------------------------------------------------------

WAIT, SYNCED, STALE = "wait_snapshot", "synced", "stale"


class Book:
    """One instrument's L2 book with Binance's sequencing rules."""

    def __init__(self, usdm):
        self.usdm = usdm
        self.state = WAIT
        self.last_seq = 0
        self.chained = False
        self.q = [{}, {}]
        self.keys = [[], []]   # ascending prices per side
        self.ring = []         # buffered delta payloads (U, u, pu, levels), oldest first
        self.ring_events = 0
        self.gaps = self.crossed_n = self.overflows = 0

    def set_level(self, side, p, qty):
        d = self.q[side]
        if p in d:
            if qty:
                d[p] = qty
                return 1
            del d[p]
            k = self.keys[side]
            del k[bisect.bisect_left(k, p)]
            return 1
        if not qty:
            return 0
        if len(d) >= BOOK_MAX_LEVELS:
            return -1
        d[p] = qty
        bisect.insort(self.keys[side], p)
        return 1

    def best(self, side):
        k = self.keys[side]
        if not k:
            return None
        return k[-1] if side == BID else k[0]

    def is_crossed(self):
        b, a = self.best(BID), self.best(ASK)
        return b is not None and a is not None and b >= a

    @staticmethod
    def n_events(payload):
        return max(1, len(payload[3]))

    def ring_push(self, payload):
        n = self.n_events(payload)
        if n > BOOK_MAX_BUFFERED:
            self.ring = []
            self.ring_events = 0
            return
        while BOOK_MAX_BUFFERED - self.ring_events < n:
            self.ring_events -= self.n_events(self.ring.pop(0))
        self.ring.append(payload)
        self.ring_events += n

    def seq_check(self, U, u, pu):
        last = self.last_seq
        if self.chained:
            if u <= last:
                return "old"
            if self.usdm and pu is not None:
                return "apply" if pu == last else "gap"
            return "apply" if U == last + 1 else "gap"
        if self.usdm:
            if u < last:
                return "old"
            return "apply" if U <= last else "gap"
        if u <= last:
            return "old"
        return "apply" if U <= last + 1 else "gap"

    def synced_delta(self, payload):
        """0 applied or dropped as old; else 'gap' / 'overflow' / 'crossed'."""
        U, u, pu, lv = payload
        v = self.seq_check(U, u, pu)
        if v == "old":
            return 0
        if v == "gap":
            self.gaps += 1
            return "gap"
        is_add = False
        for side, p, qty in lv:
            r = self.set_level(side, p, qty)
            if r < 0:
                self.overflows += 1
                return "overflow"
            if r > 0 and qty != 0:
                is_add = True
        self.last_seq = u
        self.chained = True
        if is_add and self.is_crossed():
            self.crossed_n += 1
            return "crossed"
        return 0

    def on_snapshot(self, payload):
        lid, lv = payload
        if self.state == SYNCED and lid <= self.last_seq:
            return
        self.last_seq = lid
        self.chained = False
        self.q = [{}, {}]
        self.keys = [[], []]
        ok = True
        for side, p, qty in lv:
            d = self.q[side]
            if qty == 0:
                d.pop(p, None)
            elif p in d or len(d) < BOOK_MAX_LEVELS:
                d[p] = qty
            else:
                ok = False
                self.overflows += 1
                break
        self.keys = [sorted(self.q[BID]), sorted(self.q[ASK])]
        if not ok:
            self.state = STALE
            return
        if self.is_crossed():
            self.crossed_n += 1
            self.state = STALE
            return
        while self.ring:
            if self.synced_delta(self.ring[0]) != 0:
                self.state = STALE
                return
            self.ring_events -= self.n_events(self.ring.pop(0))
        self.state = SYNCED

    def on_delta(self, payload):
        if self.state != SYNCED:
            self.ring_push(payload)
            return
        if self.synced_delta(payload) != 0:
            self.state = STALE
            self.ring = []
            self.ring_events = 0
            self.ring_push(payload)


# -------------------------------------------------------------------------------------------
# the simulated venue
# -------------------------------------------------------------------------------------------

class Order:
    __slots__ = ("cid", "key", "side", "is_market", "tif", "reduce_only", "price", "qty",
                 "remaining", "queue", "level_qty", "traded", "guard", "resting", "sent_ns")


class Inst:
    __slots__ = ("key", "info", "book", "resting", "was_synced", "bbo", "depth_seq", "depth_vns",
                 "used")

    def __init__(self, key, info):
        self.key = key
        self.info = info
        self.book = None
        self.resting = []
        self.was_synced = False
        self.bbo = None        # [bid_px, bid_qty, ask_px, ask_qty, seq, venue_ns]
        self.depth_seq = 0     # book.last_seq when depth_vns was set
        self.depth_vns = 0
        self.used = {}         # (side, price) -> quantity taken since the last book message


class Venue:
    def __init__(self, insts, queue_model, queue_power):
        self.insts = insts
        self.prob = queue_model.startswith("probabilistic_")
        self.fn = queue_model[len("probabilistic_"):] if self.prob else None
        self.power = float(queue_power)
        self.clock = None
        self.fills = []        # dicts in execution order
        self.decisions = {}    # cid -> dict(outcome, reject, bid, ask, age)
        self.cancels = {}      # cid -> outcome
        self.pos = {}          # instrument key -> signed position (perps)
        self.used_overflow = 0

    # -- the venue's view ---------------------------------------------------------------

    @staticmethod
    def bbo_newer(si):
        return si.bbo is not None and si.book is not None and si.bbo[4] > si.book.last_seq

    def view(self, si, side):
        """The venue's levels of one side, best first: (price, quantity left)."""
        book = si.book
        used = si.used
        keys = book.keys[side]
        qd = book.q[side]
        n = len(keys)
        if self.bbo_newer(si):
            tp = si.bbo[0] if side == BID else si.bbo[2]
            tq = si.bbo[1] if side == BID else si.bbo[3]
            q = tq - used.get((side, tp), 0)
            if q > 0:
                yield tp, q
            if side == BID:
                i = bisect.bisect_left(keys, tp) - 1   # first level strictly below the top
            else:
                i = bisect.bisect_right(keys, tp)      # first level strictly above the top
        else:
            i = n - 1 if side == BID else 0
        if side == BID:
            while i >= 0:
                p = keys[i]
                q = qd[p] - used.get((BID, p), 0)
                if q > 0:
                    yield p, q
                i -= 1
        else:
            while i < n:
                p = keys[i]
                q = qd[p] - used.get((ASK, p), 0)
                if q > 0:
                    yield p, q
                i += 1

    def touch(self, si):
        b = next(self.view(si, BID), (0, 0))[0]
        a = next(self.view(si, ASK), (0, 0))[0]
        src = si.bbo[5] if self.bbo_newer(si) else si.depth_vns
        age = self.clock - src if src > 0 and self.clock >= src else -1
        return b, a, age

    def use_level(self, si, side, p, qty):
        k = (side, p)
        if k in si.used:
            si.used[k] += qty
            return
        if len(si.used) == USED_MAX:
            del si.used[next(iter(si.used))]
            self.used_overflow += 1
        si.used[k] = qty

    # -- fills --------------------------------------------------------------------------

    def reduce_room(self, si, o):
        if not o.reduce_only or not si.info.is_perp:
            return None
        pos = self.pos.get(si.key, 0)
        if o.side == BID:
            return -pos if pos < 0 else 0
        return pos if pos > 0 else 0

    def fill(self, si, o, price, qty, evidence):
        o.remaining -= qty
        self.pos[si.key] = self.pos.get(si.key, 0) + (qty if o.side == BID else -qty)
        b, a, age = self.touch(si)
        self.fills.append({"client_id": o.cid, "venue_ns": self.clock, "price": price,
                           "qty": qty, "evidence": evidence,
                           "liquidity": "taker" if evidence == "taker_walk" else "maker",
                           "venue_bid": b, "venue_ask": a, "book_age_ns": age, "key": si.key})

    def unrest(self, si, o):
        o.resting = False
        si.resting.remove(o)

    def fill_resting(self, si, o, qty, evidence):
        room = self.reduce_room(si, o)
        if room == 0:
            self.unrest(si, o)   # expired: its position is gone
            return 0
        qty = min(qty, o.remaining)
        if room is not None:
            qty = min(qty, room)
        if qty <= 0:
            return 0
        self.fill(si, o, o.price, qty, evidence)
        if o.remaining == 0:
            self.unrest(si, o)
        return qty

    def cross_resting(self, si):
        b, a, _ = self.touch(si)
        for o in list(si.resting):
            if not o.resting:
                continue
            crossed = (a != 0 and a <= o.price) if o.side == BID else (b != 0 and b >= o.price)
            if not crossed:
                o.guard = False
            elif not o.guard:
                self.fill_resting(si, o, o.remaining, "book_cross")

    # -- market messages ----------------------------------------------------------------

    def on_message(self, v, kind, key, payload):
        if self.clock is None or v > self.clock:
            self.clock = v
        si = self.insts.get(key)
        if si is None:
            return
        if si.book is None:
            si.book = Book(key[0] == "binance_usdm")
        if kind == TRADE:
            self.on_trade(si, payload)
        elif kind == BBO:
            self.on_bbo(si, payload)
        else:
            if kind == SNAP:
                si.book.on_snapshot(payload)
            else:
                si.book.on_delta(payload)
            self.on_depth(si, kind == SNAP)

    def on_trade(self, si, payload):
        px, qty, buyer_taker = payload
        if qty <= 0:
            return
        hit = ASK if buyer_taker else BID
        self.use_level(si, hit, px, qty)
        if not si.resting:
            return
        left = qty
        for o in list(si.resting):
            if not o.resting or o.side != hit:
                continue
            if (o.price > px) if hit == BID else (o.price < px):
                o.queue = 0
                if left > 0:
                    left -= self.fill_resting(si, o, left, "trade_through")
        for o in list(si.resting):
            if not o.resting or o.side != hit or o.price != px:
                continue
            ahead = o.queue
            o.queue = ahead - qty if ahead > qty else 0
            o.traded += qty
            excess = qty - ahead
            if excess > 0 and left > 0:
                left -= self.fill_resting(si, o, min(excess, left), "trade_queue")

    def prob_behind(self, front, back, unit):
        """The probability that a decrease was behind the order (docs/internals/sim.md,
        hftbacktest queue.rs: power, log, power2, log2, power3); 1 when undefined."""
        total = front + back
        n = self.power
        try:
            if self.fn == "log":
                p = math.log1p(back * unit) / (math.log1p(back * unit) + math.log1p(front * unit))
            elif self.fn == "power2":
                p = math.pow(back / total, n)
            elif self.fn == "log2":
                p = math.log1p(back * unit) / math.log1p(total * unit)
            elif self.fn == "power3":
                p = 1.0 - math.pow(front / total, n)
            else:
                ff = math.pow(front / total, n)
                fb = math.pow(back / total, n)
                p = fb / (fb + ff)
        except (ZeroDivisionError, ValueError, OverflowError):
            p = 1.0
        if not (0.0 <= p <= 1.0):
            p = 1.0
        return p

    def queue_change(self, o, new, plain, unit):
        prev = o.level_qty
        chg = prev - new - o.traded
        o.level_qty = new
        o.traded = 0
        if self.prob and plain and chg > 0 and o.queue > 0:
            front = o.queue
            back = prev - front if prev - front > 0 else 0
            p_back = self.prob_behind(float(front), float(back), unit)
            d = float(chg)
            spill = p_back * d - float(back)
            adv = (1.0 - p_back) * d + (spill if spill > 0.0 else 0.0)
            adv_m = front if adv >= float(front) else int(math.floor(adv + 1e-6))
            if adv_m > 0:
                o.queue = front - adv_m
        if o.queue > new:
            o.queue = new

    def on_depth(self, si, is_snapshot):
        book = si.book
        synced = book.state == SYNCED
        was = si.was_synced
        si.was_synced = synced
        if book.last_seq != si.depth_seq:   # the book moved to a newer venue state
            si.depth_seq = book.last_seq
            si.depth_vns = self.clock
            si.used.clear()
        if not synced or not si.resting:
            return
        plain = not is_snapshot and was
        unit = math.pow(10.0, float(si.info.qe))   # the log functions read venue units
        for o in si.resting:
            lvl = book.q[o.side].get(o.price, 0)
            if lvl != o.level_qty:
                self.queue_change(o, lvl, plain, unit)
        self.cross_resting(si)

    def on_bbo(self, si, payload):
        u, bp, bq, ap, aq = payload
        if bp <= 0 or ap <= 0 or u == 0 or (si.bbo is not None and u <= si.bbo[4]):
            return
        si.bbo = [bp, bq, ap, aq, u, self.clock]
        if not self.bbo_newer(si):
            return                          # older than the depth book: nothing changed
        si.used.clear()
        if si.book is not None and si.book.state == SYNCED and si.resting:
            self.cross_resting(si)

    # -- requests -----------------------------------------------------------------------

    def decide(self, o, reject, bid=0, ask=0, age=-1):
        self.decisions[o.cid] = {"outcome": "reject" if reject else "ack",
                                 "reject": reject or "none", "venue_bid": bid,
                                 "venue_ask": ask, "book_age_ns": age}

    def arrive(self, t, o, given_reject):
        if self.clock is None or t > self.clock:
            self.clock = t
        if given_reject in ("duplicate_id", "invalid"):
            self.decide(o, given_reject)
            return
        si = self.insts[o.key]
        ii = si.info
        if si.book is None or si.book.state != SYNCED:
            self.decide(o, "book_stale")
            return
        if not o.is_market and ii.tick > 0 and o.price % ii.tick != 0:
            self.decide(o, "tick")
            return
        if ii.lot > 0 and o.qty % ii.lot != 0:
            self.decide(o, "lot")
            return
        if o.qty < ii.min_qty:
            self.decide(o, "min_qty")
            return
        opp = ASK if o.side == BID else BID
        first = next(self.view(si, opp), None)
        if o.is_market and first is None:
            self.decide(o, "no_liquidity")
            return
        ref = first[0] if o.is_market else o.price
        notional = (Decimal(ref).scaleb(ii.pe) * Decimal(o.qty).scaleb(ii.qe) *
                    ii.mult).quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
        exempt = o.reduce_only and ii.is_perp
        if notional < ii.min_notional and not exempt:
            self.decide(o, "min_notional")
            return

        def marketable(p):
            return o.is_market or (p <= o.price if o.side == BID else p >= o.price)

        avail = 0
        for p, q in self.view(si, opp):
            if avail >= o.qty or not marketable(p):
                break
            avail += min(q, o.qty - avail)
        b, a, age = self.touch(si)
        if given_reject in ("balance", "margin", "reduce_only"):
            self.decide(o, given_reject)
            return
        if o.tif == "post_only" and avail > 0:
            self.decide(o, "post_only", b, a, age)
            return
        if o.tif == "fok" and avail < o.qty:
            self.decide(o, "fok")
            return
        self.decide(o, None, b, a, age)
        tif = "ioc" if o.is_market and o.tif != "fok" else o.tif
        room = self.reduce_room(si, o)
        taken = 0
        while o.remaining > 0 and (room is None or taken < room):
            lvl = next(self.view(si, opp), None)
            if lvl is None or not marketable(lvl[0]):
                break
            p, q = lvl
            take = min(q, o.remaining)
            if room is not None:
                take = min(take, room - taken)
            self.use_level(si, opp, p, take)
            self.fill(si, o, p, take, "taker_walk")
            taken += take
        if o.remaining == 0:
            return
        if tif in ("ioc", "fok") or (room is not None and taken >= room):
            return   # expired
        o.queue = si.book.q[o.side].get(o.price, 0)
        o.level_qty = o.queue
        o.traded = 0
        o.guard = taken > 0
        o.resting = True
        si.resting.append(o)

    def cancel(self, t, o):
        if self.clock is None or t > self.clock:
            self.clock = t
        if o is not None and o.resting:
            self.unrest(self.insts[o.key], o)
            self.cancels[o.cid] = "canceled"
        else:
            self.cancels[o.cid] = "cancel_reject"


# -------------------------------------------------------------------------------------------
# the session
# -------------------------------------------------------------------------------------------

def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        fail(path, e.strerror)
    except ValueError as e:
        fail(path, "bad JSON: %s" % e)


def load_csv(path):
    """Rows as dicts with their physical line number in '_line'."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rd = csv.DictReader(f)
            rows = []
            for r in rd:
                if None in r or None in r.values():
                    fail("%s:%d" % (path, rd.line_num), "wrong number of fields")
                r["_line"] = rd.line_num
                rows.append(r)
            return rows
    except OSError as e:
        fail(path, e.strerror)
    except (csv.Error, UnicodeDecodeError) as e:
        fail(path, str(e))


def json_lines(path, prefix):
    """Line numbers of the lines of a one-object-per-line JSON file that start with prefix."""
    try:
        with open(path, encoding="utf-8") as f:
            return [i + 1 for i, line in enumerate(f) if line.startswith(prefix)]
    except OSError:
        return []


def sha256_of(path):
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        fail(path, e.strerror)
    return h.hexdigest()


def need(obj, k, where, kinds, nullable=False):
    """obj[k], checked against the JSON kinds ('int', 'str', 'bool')."""
    if not isinstance(obj, dict) or k not in obj:
        fail(where, "missing key %r" % k)
    v = obj[k]
    if v is None and nullable:
        return None
    ok = {"int": isinstance(v, int) and not isinstance(v, bool),
          "str": isinstance(v, str), "bool": isinstance(v, bool)}
    if not any(ok[t] for t in kinds):
        fail(where, "bad value for %r: %r" % (k, v))
    return v


def stop_messages(path):
    """venue_messages of events.log's "stop" event: how many venue messages the run released
    before its replay ended (a strategy may stop a run early); None without the file."""
    if not os.path.exists(path):
        return None
    n = None
    try:
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if '"event":"stop"' not in line:
                    continue
                try:
                    n = json.loads(line)["venue_messages"]
                except (ValueError, KeyError, TypeError):
                    fail("%s:%d" % (path, i + 1), "stop event without venue_messages")
    except OSError as e:
        fail(path, e.strerror)
    return n


def read_session(sess):
    """Everything the replay takes as given, checked for consistency."""
    meta_p = os.path.join(sess, "metadata.json")
    fid_p = os.path.join(sess, "fidelity.json")
    if not os.path.isdir(sess):
        fail(sess, "not a session directory")
    meta = load_json(meta_p)
    fid = load_json(fid_p)
    S = {"sess": sess}
    try:
        S["files"] = [(df["path"], df.get("sha256")) for df in meta["data_files"]]
        eng = meta["engine"]
        S["queue_model"] = eng.get("queue_model", "risk_averse")
        S["queue_power"] = float(eng.get("queue_power", 2))
    except (KeyError, TypeError, ValueError) as e:
        fail(meta_p, "missing or malformed key %s" % e)
    if S["queue_model"] not in ("risk_averse", "probabilistic_power", "probabilistic_log",
                                "probabilistic_power2", "probabilistic_log2",
                                "probabilistic_power3"):
        fail(meta_p, "engine.queue_model %r is not one this tool re-simulates"
             % S["queue_model"])
    if not S["files"]:
        fail(meta_p, "no data_files")
    if fid.get("format") != "cexarb-fidelity/1":
        fail(fid_p, "format is %r, expected cexarb-fidelity/1" % fid.get("format"))
    replay = fid.get("replay")
    S["window"] = need(replay, "venue_window_ns", fid_p + ": replay", ("int",))
    S["eng_late"] = need(replay, "late", fid_p + ": replay", ("int",))
    if S["window"] < 0:
        fail(fid_p, "replay.venue_window_ns %d < 0" % S["window"])
    if need(replay, "forced", fid_p + ": replay", ("int",)):
        fail(fid_p, "replay.forced = %d: messages released early by a full buffer are not "
                    "re-simulated" % replay["forced"])
    f_orders, f_fills = fid.get("orders"), fid.get("fills")
    if not isinstance(f_orders, list) or not isinstance(f_fills, list):
        fail(fid_p, "orders and fills must be lists")
    o_lines = json_lines(fid_p, '{"client_id"')
    f_lines = json_lines(fid_p, '{"fill_id"')

    def o_where(i):
        if len(o_lines) == len(f_orders):
            return "%s:%d" % (fid_p, o_lines[i])
        return "%s: orders[%d]" % (fid_p, i)

    def f_where(i):
        if len(f_lines) == len(f_fills):
            return "%s:%d" % (fid_p, f_lines[i])
        return "%s: fills[%d]" % (fid_p, i)

    wanted = set()
    for i, fo in enumerate(f_orders):
        wanted.add((need(fo, "venue", o_where(i), ("str",)),
                    need(fo, "symbol", o_where(i), ("str",))))
    for i, ff in enumerate(f_fills):
        wanted.add((need(ff, "venue", f_where(i), ("str",)),
                    need(ff, "symbol", f_where(i), ("str",))))
    infos = load_instruments(os.path.join(sess, "instruments.csv"), wanted)
    S["infos"] = infos

    # orders: fidelity.json, checked against orders.csv
    ord_p = os.path.join(sess, "orders.csv")
    csv_orders = {}
    for r in load_csv(ord_p):
        try:
            csv_orders[int(r["client_id"])] = r
        except (KeyError, ValueError):
            fail("%s:%d" % (ord_p, r["_line"]), "bad client_id")
    orders, events, eng_dec, eng_cancel = {}, [], {}, {}
    for i, fo in enumerate(f_orders):
        w = o_where(i)
        key = (fo["venue"], fo["symbol"])
        ii = infos[key]
        o = Order()
        o.cid = need(fo, "client_id", w, ("int",))
        o.key = key
        side = need(fo, "side", w, ("str",))
        typ = need(fo, "type", w, ("str",))
        o.tif = need(fo, "tif", w, ("str",))
        if side not in ("buy", "sell") or typ not in ("limit", "market") or \
                o.tif not in ("gtc", "ioc", "fok", "post_only"):
            fail(w, "bad side, type or tif")
        o.side = BID if side == "buy" else ASK
        o.is_market = typ == "market"
        o.reduce_only = need(fo, "reduce_only", w, ("bool",))
        try:
            o.price = mantissa(need(fo, "price", w, ("str",)), ii.pe, "price")
            o.qty = mantissa(need(fo, "qty", w, ("str",)), ii.qe, "qty")
        except ValueError as e:
            fail(w, str(e))
        o.sent_ns = need(fo, "sent_ns", w, ("int",))
        o.remaining = o.qty
        o.queue = o.level_qty = o.traded = 0
        o.guard = o.resting = False
        if o.cid in orders:
            fail(w, "client_id %d twice" % o.cid)
        orders[o.cid] = o
        r = csv_orders.get(o.cid)
        if r is None:
            fail(w, "order %d is not in %s" % (o.cid, ord_p))
        try:
            same = ((r["venue"], r["symbol"]) == key and r["side"] == side and
                    r["type"] == typ and r["tif"] == o.tif and
                    mantissa(r["qty"], ii.qe) == o.qty and
                    (o.is_market or mantissa(r["price"], ii.pe) == o.price))
        except (KeyError, ValueError):
            same = False
        if not same:
            fail("%s:%d" % (ord_p, r["_line"]), "order %d differs from %s" % (o.cid, w))
        arrive = need(fo, "arrive_ns", w, ("int",), nullable=True)
        if arrive is None:
            continue   # never reached the venue (refused locally, or after the end)
        outcome = need(fo, "outcome", w, ("str",))
        rej = need(fo, "reject", w, ("str",))
        eng_dec[o.cid] = {"outcome": outcome, "reject": rej,
                          "venue_bid": fo.get("venue_bid"), "venue_ask": fo.get("venue_ask"),
                          "book_age_ns": fo.get("book_age_ns"), "where": w}
        given = rej if outcome == "reject" and rej in GIVEN_REJECTS else None
        events.append((arrive, o.sent_ns, 0, o.cid, given))
        ca = need(fo, "cancel_arrive_ns", w, ("int",), nullable=True)
        if ca is not None:
            cs = need(fo, "cancel_sent_ns", w, ("int",))
            events.append((ca, cs, 1, o.cid, None))
            eng_cancel[o.cid] = need(fo, "cancel_outcome", w, ("str",))
    if len(csv_orders) != len(orders):
        fail(ord_p, "%d orders, fidelity.json has %d" % (len(csv_orders), len(orders)))
    # at one venue time: the venue's creation order, i.e. send order (client ids increase);
    # an order before a cancel sent at the same instant (its own cancel comes after it)
    events.sort(key=lambda e: e[:4])
    S["orders"], S["events"] = orders, events
    S["eng_dec"], S["eng_cancel"] = eng_dec, eng_cancel

    # fills: fills.csv, with evidence, touch and age from fidelity.json
    fills_p = os.path.join(sess, "fills.csv")
    by_id = {}
    for i, ff in enumerate(f_fills):
        by_id[need(ff, "fill_id", f_where(i), ("int",))] = (ff, f_where(i))
    eng_fills = []
    for r in load_csv(fills_p):
        w = "%s:%d" % (fills_p, r["_line"])
        try:
            key = (r["venue"], r["symbol"])
            ii = infos.get(key)
            fill_id = int(r["fill_id"])
            if ii is None or fill_id not in by_id:
                fail(w, "fill %s is not in fidelity.json" % r["fill_id"])
            ff, fw = by_id[fill_id]
            e = {"fill_id": fill_id, "client_id": int(r["client_id"]),
                 "venue_ns": int(r["ts_ns"]), "price": mantissa(r["price"], ii.pe, "price"),
                 "qty": mantissa(r["qty"], ii.qe, "qty"), "liquidity": r["liquidity"],
                 "key": key}
        except (KeyError, ValueError) as ex:
            fail(w, str(ex))
        try:
            e["evidence"] = need(ff, "evidence", fw, ("str",))
            e["venue_bid"] = mantissa(need(ff, "venue_bid", fw, ("str",)), ii.pe, "venue_bid")
            e["venue_ask"] = mantissa(need(ff, "venue_ask", fw, ("str",)), ii.pe, "venue_ask")
            e["book_age_ns"] = need(ff, "book_age_ns", fw, ("int",))
            same = (need(ff, "client_id", fw, ("int",)) == e["client_id"] and
                    need(ff, "venue_ns", fw, ("int",)) == e["venue_ns"] and
                    mantissa(ff["price"], ii.pe) == e["price"] and
                    mantissa(ff["qty"], ii.qe) == e["qty"] and
                    ff.get("liquidity") == e["liquidity"])
        except ValueError as ex:
            fail(fw, str(ex))
        if not same:
            fail(w, "fill %d differs from %s" % (fill_id, fw))
        eng_fills.append(e)
    if len(by_id) != len(eng_fills):
        fail(fid_p, "%d fills, %s has %d" % (len(by_id), fills_p, len(eng_fills)))
    eng_fills.sort(key=lambda e: e["fill_id"])
    S["eng_fills"] = eng_fills
    S["stop_messages"] = stop_messages(os.path.join(sess, "events.log"))
    return S


def run(sess):
    S = read_session(sess)
    infos = S["infos"]
    recs = []
    for fidx, (path, sha) in enumerate(S["files"]):
        if sha is not None and sha256_of(path) != sha:
            fail(path, "SHA-256 differs from the session's metadata.json: not the recording "
                       "the session replayed")
        venue, loc, exch, msgs = read_recording(path, infos)
        recs.append((path, venue, loc, exch, msgs))
    released, late_pos = venue_order(recs, S["window"])
    n_replay = len(released)
    if S["stop_messages"] is not None and S["stop_messages"] < n_replay:
        n_replay = S["stop_messages"]   # the run ended its replay there
    # Late among the messages the run processed: a run stopped early never saw the rest.
    late = bisect.bisect_left(late_pos, n_replay)

    ven = Venue({k: Inst(k, infos[k]) for k in infos}, S["queue_model"], S["queue_power"])
    orders, events = S["orders"], S["events"]
    ei, ne = 0, len(events)

    def run_event(ev):
        t, _, rank, cid, given = ev
        if rank == 1:
            ven.cancel(t, orders[cid])
        else:
            ven.arrive(t, orders[cid], given)

    for k in range(n_replay):
        v, fidx, i = released[k]
        while ei < ne and events[ei][0] < v:
            run_event(events[ei])
            ei += 1
        kind, key, payload = recs[fidx][4][i]
        ven.on_message(v, kind, key, payload)
    while ei < ne:
        run_event(events[ei])
        ei += 1
    return compare(S, ven, late, n_replay, len(released))


# -------------------------------------------------------------------------------------------
# comparison and report
# -------------------------------------------------------------------------------------------

FILL_KEYS = ("venue_ns", "price", "qty", "liquidity", "evidence", "venue_bid", "venue_ask",
             "book_age_ns")


def show_fill(f, infos):
    ii = infos[f["key"]]
    return {"client_id": f["client_id"], "venue_ns": f["venue_ns"],
            "price": fmt(f["price"], ii.pe), "qty": fmt(f["qty"], ii.qe),
            "liquidity": f["liquidity"], "evidence": f["evidence"],
            "venue_bid": fmt(f["venue_bid"], ii.pe), "venue_ask": fmt(f["venue_ask"], ii.pe),
            "book_age_ns": f["book_age_ns"]}


def compare(S, ven, late, n_replayed, n_released):
    infos, orders = S["infos"], S["orders"]
    mism = {"fills": [], "decisions": [], "touch_at_decision": [], "cancels": [], "replay": []}
    # fills: per order, in execution order
    mine_by, eng_by = {}, {}
    for f in ven.fills:
        mine_by.setdefault(f["client_id"], []).append(f)
    for f in S["eng_fills"]:
        eng_by.setdefault(f["client_id"], []).append(f)
    matched = 0
    for cid in sorted(set(mine_by) | set(eng_by)):
        a = mine_by.get(cid, [])
        b = eng_by.get(cid, [])
        for k in range(max(len(a), len(b))):
            x = a[k] if k < len(a) else None
            y = b[k] if k < len(b) else None
            if x is not None and y is not None:
                diff = [n for n in FILL_KEYS if x[n] != y[n]]
                if not diff:
                    matched += 1
                    continue
            else:
                diff = ["only in the re-simulation" if y is None else "only in the session"]
            mism["fills"].append({"client_id": cid, "nth_fill_of_order": k + 1, "differs": diff,
                                  "resim": show_fill(x, infos) if x else None,
                                  "session": dict(show_fill(y, infos), fill_id=y["fill_id"])
                                  if y else None})
    # fill ids are one sequence over all orders: the interleaving must match too
    if not mism["fills"] and [f["client_id"] for f in ven.fills] != \
            [f["client_id"] for f in S["eng_fills"]]:
        mism["replay"].append({"fill_order": "fills match per order but not in fill-id order"})

    counts = {"acks": 0, "post_only_rejects": 0, "rederived_rejects": 0, "given_rejects": 0}
    dec_matched = 0
    for cid, e in sorted(S["eng_dec"].items()):
        m = ven.decisions.get(cid)
        ii = infos[orders[cid].key]
        mine = (m["outcome"], m["reject"]) if m else (None, None)
        theirs = (e["outcome"], e["reject"])
        if mine != theirs:
            mism["decisions"].append({"client_id": cid, "resim": "%s/%s" % mine,
                                      "session": "%s/%s" % theirs})
            continue
        dec_matched += 1
        if mine[0] == "ack":
            counts["acks"] += 1
        elif mine[1] == "post_only":
            counts["post_only_rejects"] += 1
        elif mine[1] in GIVEN_REJECTS:
            counts["given_rejects"] += 1
        else:
            counts["rederived_rejects"] += 1
        if mine[0] == "ack" or mine[1] == "post_only":
            try:
                eb = mantissa(need(e, "venue_bid", e["where"], ("str",)), ii.pe)
                ea = mantissa(need(e, "venue_ask", e["where"], ("str",)), ii.pe)
                eg = need(e, "book_age_ns", e["where"], ("int",))
            except ValueError as ex:
                fail(e["where"], str(ex))
            if (eb, ea, eg) != (m["venue_bid"], m["venue_ask"], m["book_age_ns"]):
                mism["touch_at_decision"].append(
                    {"client_id": cid,
                     "resim": [fmt(m["venue_bid"], ii.pe), fmt(m["venue_ask"], ii.pe),
                               m["book_age_ns"]],
                     "session": [fmt(eb, ii.pe), fmt(ea, ii.pe), eg]})
    can_matched = 0
    for cid, e in sorted(S["eng_cancel"].items()):
        m = ven.cancels.get(cid)
        if m != e:
            mism["cancels"].append({"client_id": cid, "resim": m, "session": e})
        else:
            can_matched += 1
    if S["eng_late"] != late:
        mism["replay"].append({"late": {"resim": late, "session": S["eng_late"]}})
    if S["stop_messages"] is not None and S["stop_messages"] > n_released:
        mism["replay"].append({"venue_messages": {"resim": n_released,
                                                  "session": S["stop_messages"]}})
    return {
        "session": S["sess"],
        "queue_model": S["queue_model"],
        "venue_messages": {"released": n_released, "replayed": n_replayed, "late": late},
        "matched": {"fills": matched, "decisions": dec_matched, "cancels": can_matched},
        "decisions": counts,
        "fills": {"resim": len(ven.fills), "session": len(S["eng_fills"])},
        "mismatches": {k: len(v) for k, v in mism.items()},
        "details": mism,
    }


def print_report(r):
    m, vm = r["matched"], r["venue_messages"]
    print("fidelity_resim: %s (%s)" % (r["session"], r["queue_model"]))
    print("  venue messages %d replayed of %d (late %d)"
          % (vm["replayed"], vm["released"], vm["late"]))
    print("  fills      %d of %d match (re-simulated %d)"
          % (m["fills"], r["fills"]["session"], r["fills"]["resim"]))
    d = r["decisions"]
    print("  decisions  %d match: %d acks, %d post-only rejects, %d other re-derived rejects, "
          "%d given rejects" % (m["decisions"], d["acks"], d["post_only_rejects"],
                                d["rederived_rejects"], d["given_rejects"]))
    print("  cancels    %d match" % m["cancels"])
    if not sum(r["mismatches"].values()):
        print("  all match")
        return
    for k, v in r["details"].items():
        if v:
            print("  MISMATCH %s: %d" % (k, len(v)))
            for x in v[:5]:
                print("    " + json.dumps(x))


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = [a for a in argv if a.startswith("--")]
    if len(args) != 1 or any(o not in ("--json",) for o in opts):
        print("usage: fidelity_resim.py SESSION_DIR [--json]", file=sys.stderr)
        return 2
    try:
        r = run(args[0])
    except Unreadable as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    if "--json" in opts:
        print(json.dumps(r, indent=1))
    else:
        print_report(r)
    return 1 if sum(r["mismatches"].values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
