// SPDX-License-Identifier: MIT
//
// bench_decode_simdjson: the same extraction as bench_decode, done with simdjson's On-Demand API
// (libsimdjson-dev 3.0.1), on the same in-memory messages (bench_util's corpus, 64 zero bytes of
// padding after each message), timed the same way (min of 5 runs after a warm-up).
//
// For every message it reads the stream name (or the Gate channel/event), `e`, `E`, `s`, `U`,
// `u`, `pu` and every level's price and quantity, resolves the symbol in the same registry and
// fills a cx_md_batch exactly as the cexarb decoder does, so the output work is identical too.
// Two number conversions are measured:
//   - "cx_dec": the price/qty string token is handed to cexarb's exact cx_dec_parse (the very C
//     function our decoder uses), so both sides do identical work on numbers; its checksum must
//     equal bench_decode's (bench/run.sh compares them);
//   - "double": simdjson's get_double_in_string(); the doubles are stored in the batch as bits,
//     and run.sh compares ids/level counts exactly and the sums of values to 1e-9.
//
// Built twice by bench/CMakeLists.txt: with the project's flags (-O2, where simdjson's On-Demand
// front end compiles for its portable "fallback" kernel; stage 1 still dispatches at run time)
// and with -march=native (On-Demand compiled for the best kernel of this CPU). The output names
// the kernels actually used.
//
// Usage: bench_decode_simdjson [--tsv FILE]   (exit 1 when a message fails to decode)

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "bench_util.h"

#define BU_STR2(x) #x
#define BU_STR(x) BU_STR2(x)

using namespace simdjson;

namespace {

constexpr int kRuns = 5;

enum class Conv { Dec, Dbl };

struct Dec {
    ondemand::parser parser;
    const cx_registry *reg = nullptr;
    const char *snap_sym = nullptr;
    size_t snap_sym_len = 0;
};

template <Conv C>
simdjson_inline bool num(ondemand::value v, int exp, int64_t &out)
{
    if constexpr (C == Conv::Dec) {
        std::string_view t = v.raw_json_token();
        size_t n = t.size();
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' || t[n - 1] == '\r'))
            n--;
        if (n < 2 || t[0] != '"' || t[n - 1] != '"')
            return false;
        return cx_dec_parse(t.data() + 1, n - 2, exp, &out) == 0;
    } else {
        double d;
        if (v.get_double_in_string().get(d))
            return false;
        std::memcpy(&out, &d, sizeof d);
        return true;
    }
}

// One side's `[[p,q],...]` into level events built from `tmpl`.
template <Conv C>
simdjson_inline int levels(ondemand::value arrv, uint16_t side, const cx_md_event &tmpl, int pexp,
                           int qexp, cx_md_batch *b)
{
    ondemand::array arr;
    if (arrv.get_array().get(arr))
        return CX_ETYPE;
    for (auto lr : arr) {
        ondemand::array lvl;
        if (lr.get_array().get(lvl))
            return CX_ETYPE;
        int64_t pq[2];
        unsigned i = 0;
        for (auto xr : lvl) {
            ondemand::value x;
            if (xr.get(x) || i >= 2)
                return CX_EPARSE;
            if (!num<C>(x, i ? qexp : pexp, pq[i]))
                return CX_EPARSE;
            i++;
        }
        if (i != 2)
            return CX_EPARSE;
        if (b->n == b->cap)
            return CX_ENOSPC;
        cx_md_event *e = &b->ev[b->n++];
        *e = tmpl;
        e->flags = (uint16_t)(e->flags | side);
        e->u.level.price_m = pq[0];
        e->u.level.qty_m = pq[1];
    }
    return 0;
}

simdjson_inline void finish_run(const cx_md_event &tmpl, cx_md_batch *b)
{
    if (b->n == 0) {
        b->ev[0] = tmpl;
        b->ev[0].flags = (uint16_t)(b->ev[0].flags | CX_MD_F_NOLEVEL);
        b->n = 1;
    }
    b->ev[0].flags = (uint16_t)(b->ev[0].flags | CX_MD_F_BEGIN);
    b->ev[b->n - 1].flags = (uint16_t)(b->ev[b->n - 1].flags | CX_MD_F_END);
}

simdjson_inline cx_md_event make_tmpl(uint8_t type, const cx_instrument *inst, int64_t ts,
                                      int64_t exch_ns, uint64_t U, uint64_t u, uint64_t pu,
                                      bool has_pu)
{
    cx_md_event t;
    std::memset(&t, 0, sizeof t);
    t.exch_ts_ns = exch_ns;
    t.local_ts_ns = ts;
    t.seq = u;
    t.inst_id = inst->id;
    t.type = type;
    t.flags = has_pu ? CX_MD_F_HAS_PREV : 0;
    t.u.level.seq_first = U;
    t.u.level.seq_prev = has_pu ? pu : 0;
    return t;
}

enum StreamKind { SK_NONE, SK_DEPTH, SK_BBO, SK_TRADE };

simdjson_inline StreamKind stream_kind(std::string_view s)
{
    size_t at = s.find('@');
    if (at == std::string_view::npos)
        return SK_NONE;
    std::string_view r = s.substr(at + 1);
    if (r.substr(0, 5) == "depth")
        return SK_DEPTH;
    if (r.substr(0, 10) == "bookTicker")
        return SK_BBO;
    if (r.substr(0, 5) == "trade")
        return SK_TRADE;
    return SK_NONE;
}

template <Conv C>
simdjson_inline int binance_data(Dec &d, StreamKind sk, ondemand::object obj, cx_venue venue,
                                 int64_t ts, cx_md_batch *b)
{
    const bool usdm = venue == CX_VENUE_BINANCE_USDM;
    std::string_view e, s;
    uint64_t E = 0, U = 0, u = 0, pu = 0;
    if (sk == SK_DEPTH) {
        if (obj["e"].get_string().get(e) || e != "depthUpdate")
            return CX_EPARSE;
        if (obj["E"].get_uint64().get(E))
            return CX_EMISSING;
        if (obj["s"].get_string().get(s))
            return CX_EMISSING;
        const cx_instrument *inst = cx_registry_find(d.reg, venue, s.data(), s.size());
        if (inst == nullptr)
            return CX_ESYMBOL;
        if (obj["U"].get_uint64().get(U) || obj["u"].get_uint64().get(u))
            return CX_EMISSING;
        if (usdm && obj["pu"].get_uint64().get(pu))
            return CX_EMISSING;
        b->kind = CX_MD_KIND_DEPTH;
        b->inst_id = inst->id;
        cx_md_event t = make_tmpl(CX_MD_DEPTH_DELTA, inst, ts, (int64_t)E * 1000000, U, u, pu, usdm);
        ondemand::value v;
        if (obj["b"].get(v))
            return CX_EMISSING;
        int rc = levels<C>(v, 0, t, inst->price_exp, inst->qty_exp, b);
        if (rc)
            return rc;
        if (obj["a"].get(v))
            return CX_EMISSING;
        rc = levels<C>(v, CX_MD_F_ASK, t, inst->price_exp, inst->qty_exp, b);
        if (rc)
            return rc;
        finish_run(t, b);
        return 0;
    }
    if (sk == SK_BBO) {
        if (usdm && (obj["e"].get_string().get(e) || e != "bookTicker"))
            return CX_EPARSE;
        if (obj["u"].get_uint64().get(u) || obj["s"].get_string().get(s))
            return CX_EMISSING;
        const cx_instrument *inst = cx_registry_find(d.reg, venue, s.data(), s.size());
        if (inst == nullptr)
            return CX_ESYMBOL;
        int64_t bp, bq, ap, aq;
        ondemand::value v;
        if (obj["b"].get(v) || !num<C>(v, inst->price_exp, bp) || obj["B"].get(v) ||
            !num<C>(v, inst->qty_exp, bq) || obj["a"].get(v) ||
            !num<C>(v, inst->price_exp, ap) || obj["A"].get(v) || !num<C>(v, inst->qty_exp, aq))
            return CX_EPARSE;
        if (usdm && obj["E"].get_uint64().get(E))
            return CX_EMISSING;
        b->kind = CX_MD_KIND_BBO;
        b->inst_id = inst->id;
        cx_md_event &ev = b->ev[0];
        std::memset(&ev, 0, sizeof ev);
        ev.exch_ts_ns = (int64_t)E * 1000000;
        ev.local_ts_ns = ts;
        ev.seq = u;
        ev.inst_id = inst->id;
        ev.type = CX_MD_BBO;
        ev.flags = CX_MD_F_SINGLE;
        ev.u.bbo.bid_price_m = bp;
        ev.u.bbo.bid_qty_m = bq;
        ev.u.bbo.ask_price_m = ap;
        ev.u.bbo.ask_qty_m = aq;
        b->n = 1;
        return 0;
    }
    if (sk == SK_TRADE) {
        uint64_t t = 0;
        bool m = false;
        if (obj["e"].get_string().get(e) || e != "trade")
            return CX_EPARSE;
        if (obj["E"].get_uint64().get(E) || obj["s"].get_string().get(s))
            return CX_EMISSING;
        const cx_instrument *inst = cx_registry_find(d.reg, venue, s.data(), s.size());
        if (inst == nullptr)
            return CX_ESYMBOL;
        if (obj["t"].get_uint64().get(t))
            return CX_EMISSING;
        int64_t p, q;
        ondemand::value v;
        if (obj["p"].get(v) || !num<C>(v, inst->price_exp, p) || obj["q"].get(v) ||
            !num<C>(v, inst->qty_exp, q))
            return CX_EPARSE;
        if (obj["m"].get_bool().get(m))
            return CX_EMISSING;
        b->kind = CX_MD_KIND_TRADE;
        b->inst_id = inst->id;
        cx_md_event &ev = b->ev[0];
        std::memset(&ev, 0, sizeof ev);
        ev.exch_ts_ns = (int64_t)E * 1000000;
        ev.local_ts_ns = ts;
        ev.seq = t;
        ev.inst_id = inst->id;
        ev.type = CX_MD_TRADE;
        ev.flags = (uint16_t)(CX_MD_F_SINGLE | (m ? 0 : CX_MD_F_BUY_TAKER));
        ev.u.trade.price_m = p;
        ev.u.trade.qty_m = q;
        b->n = 1;
        return 0;
    }
    return CX_ESTREAM;
}

template <Conv C>
int decode_binance(Dec &d, const char *j, size_t n, cx_venue venue, int64_t ts, cx_md_batch *b)
{
    b->n = 0;
    b->kind = CX_MD_KIND_NONE;
    b->venue = (uint8_t)venue;
    b->local_ts_ns = ts;
    ondemand::document doc;
    if (d.parser.iterate(padded_string_view(j, n, n + SIMDJSON_PADDING)).get(doc))
        return CX_EPARSE;
    ondemand::object top;
    if (doc.get_object().get(top))
        return CX_ETYPE;
    StreamKind sk = SK_NONE;
    // REST snapshot state
    const cx_instrument *snap = nullptr;
    cx_md_event t;
    uint64_t E = 0, T = 0;
    for (auto fr : top) {
        ondemand::field f;
        if (std::move(fr).get(f))
            return CX_EPARSE;
        ondemand::raw_json_string k = f.key();
        if (k == "stream") {
            std::string_view s;
            if (f.value().get_string().get(s))
                return CX_ETYPE;
            sk = stream_kind(s);
        } else if (k == "data") {
            ondemand::object obj;
            if (f.value().get_object().get(obj))
                return CX_ETYPE;
            int rc = binance_data<C>(d, sk, obj, venue, ts, b);
            if (rc)
                return rc;
        } else if (k == "lastUpdateId") {
            uint64_t lid;
            if (f.value().get_uint64().get(lid))
                return CX_ETYPE;
            snap = cx_registry_find(d.reg, venue, d.snap_sym, d.snap_sym_len);
            if (snap == nullptr)
                return CX_ESYMBOL;
            t = make_tmpl(CX_MD_DEPTH_SNAPSHOT, snap, ts, 0, lid, lid, 0, false);
            b->kind = CX_MD_KIND_SNAPSHOT;
            b->inst_id = snap->id;
        } else if (k == "E") {
            if (f.value().get_uint64().get(E))
                return CX_ETYPE;
        } else if (k == "T") {
            if (f.value().get_uint64().get(T))
                return CX_ETYPE;
        } else if (k == "bids" || k == "asks") {
            if (snap == nullptr)
                return CX_EMISSING;
            int rc = levels<C>(f.value(), k == "asks" ? CX_MD_F_ASK : 0, t, snap->price_exp,
                               snap->qty_exp, b);
            if (rc)
                return rc;
        }
    }
    if (snap != nullptr) {
        if (E != 0 || T != 0) {
            int64_t x = (int64_t)(T ? T : E) * 1000000;
            for (uint32_t i = 0; i < b->n; i++)
                b->ev[i].exch_ts_ns = x;
            t.exch_ts_ns = x;
        }
        finish_run(t, b);
    }
    return b->kind == CX_MD_KIND_NONE ? CX_ESTREAM : 0;
}

template <Conv C>
int decode_gate(Dec &d, const char *j, size_t n, int64_t ts, cx_md_batch *b)
{
    b->n = 0;
    b->kind = CX_MD_KIND_NONE;
    b->venue = CX_VENUE_GATE_SPOT;
    b->local_ts_ns = ts;
    ondemand::document doc;
    if (d.parser.iterate(padded_string_view(j, n, n + SIMDJSON_PADDING)).get(doc))
        return CX_EPARSE;
    ondemand::object top;
    if (doc.get_object().get(top))
        return CX_ETYPE;
    uint64_t time = 0;
    std::string_view ch, ev, e, s;
    if (top["time"].get_uint64().get(time) || top["channel"].get_string().get(ch) ||
        top["event"].get_string().get(ev))
        return CX_EMISSING;
    if (ch != "spot.order_book_update" || ev != "update")
        return CX_ESTREAM;
    ondemand::object r;
    if (top["result"].get_object().get(r))
        return CX_EMISSING;
    uint64_t tms = 0, E = 0, U = 0, u = 0;
    if (r["t"].get_uint64().get(tms) || r["e"].get_string().get(e) || r["E"].get_uint64().get(E) ||
        r["s"].get_string().get(s))
        return CX_EMISSING;
    const cx_instrument *inst = cx_registry_find(d.reg, CX_VENUE_GATE_SPOT, s.data(), s.size());
    if (inst == nullptr)
        return CX_ESYMBOL;
    if (r["U"].get_uint64().get(U) || r["u"].get_uint64().get(u))
        return CX_EMISSING;
    b->kind = CX_MD_KIND_DEPTH;
    b->inst_id = inst->id;
    cx_md_event t = make_tmpl(CX_MD_DEPTH_DELTA, inst, ts, (int64_t)tms * 1000000, U, u, 0, false);
    ondemand::value v;
    auto bres = r["b"];
    if (bres.get(v) == SUCCESS) {
        int rc = levels<C>(v, 0, t, inst->price_exp, inst->qty_exp, b);
        if (rc)
            return rc;
    }
    auto ares = r["a"];
    if (ares.get(v) == SUCCESS) {
        int rc = levels<C>(v, CX_MD_F_ASK, t, inst->price_exp, inst->qty_exp, b);
        if (rc)
            return rc;
    }
    finish_run(t, b);
    return 0;
}

template <Conv C>
int decode(Dec &d, bu_cat cat, const char *j, size_t n, int64_t ts, cx_md_batch *b)
{
    cx_venue v = bu_cat_venue(cat);
    if (v == CX_VENUE_GATE_SPOT)
        return decode_gate<C>(d, j, n, ts, b);
    return decode_binance<C>(d, j, n, v, ts, b);
}

template <Conv C>
uint64_t run(Dec &d, const bu_corpus &c, bu_cat cat, uint32_t reps, cx_md_batch *b)
{
    const bu_msg *m = c.msg[cat];
    uint32_t n = c.n[cat];
    uint64_t bad = 0, events = 0;
    for (uint32_t r = 0; r < reps; r++) {
        for (uint32_t i = 0; i < n; i++) {
            bad += decode<C>(d, cat, c.arena + m[i].off, m[i].len, m[i].local_ts_ns, b) != 0;
            events += b->n;
        }
    }
    bu_sink_u64(events);
    return bad;
}

template <Conv C>
bool bench_variant(Dec &d, bu_corpus &c, bu_cat cat, cx_md_batch *b, const char *label,
                   const char *impl, FILE *tsv)
{
    const bu_msg *m = c.msg[cat];
    uint32_t n = c.n[cat];
    bu_sum sum;
    bu_sum_init(&sum);
    uint64_t errors = 0;
    for (uint32_t i = 0; i < n; i++) {
        int rc = decode<C>(d, cat, c.arena + m[i].off, m[i].len, m[i].local_ts_ns, b);
        if (rc != 0) {
            if (errors++ == 0)
                std::fprintf(stderr, "simdjson %s %s msg %u: %s\n", label, bu_cat_name(cat), i,
                             cx_err_name(rc));
            continue;
        }
        bu_sum_batch(&sum, b, &c.reg, C == Conv::Dbl);
    }
    uint32_t reps = c.reps[cat];
    int64_t best = INT64_MAX;
    uint64_t bad = 0;
    for (int r = 0; r <= kRuns; r++) {
        int64_t t0 = bu_now_ns();
        bad += run<C>(d, c, cat, reps, b);
        int64_t dt = bu_now_ns() - t0;
        if (r > 0 && dt < best)
            best = dt;
    }
    double per_pass = (double)best / reps;
    double ns_msg = per_pass / n;
    double mbps = (double)c.bytes[cat] / per_pass * 1e3;
    bool ok = errors == 0 && bad == 0;
    char sumtxt[24] = "(ids only)";
    if (C == Conv::Dec)
        std::snprintf(sumtxt, sizeof sumtxt, "%016llx", (unsigned long long)sum.full);
    std::printf("| %s | %s | %u | %.1f | %.0f | %s | %s |\n", bu_cat_name(cat), label, n, ns_msg,
                mbps, sumtxt, ok ? "ok" : "DECODE ERRORS");
    if (tsv != nullptr)
        std::fprintf(tsv,
                     "%s\tsimdjson-%s-%s\t%u\t%llu\t%llu\t%.3f\t%.3f\t%016llx\t%016llx\t%.17g\t%"
                     ".17g\t%d\n",
                     bu_cat_name(cat), impl, label, n, (unsigned long long)c.bytes[cat],
                     (unsigned long long)sum.levels, ns_msg, mbps,
                     (unsigned long long)(C == Conv::Dec ? sum.full : 0), (unsigned long long)sum.ids,
                     sum.price_sum, sum.qty_sum, ok ? 1 : 0);
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    const char *tsv_path = nullptr;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--tsv") == 0 && i + 1 < argc)
            tsv_path = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--tsv FILE]\n", argv[0]);
            return 2;
        }
    }
    FILE *tsv = nullptr;
    if (tsv_path != nullptr && (tsv = std::fopen(tsv_path, "w")) == nullptr) {
        std::perror(tsv_path);
        return 2;
    }
    int cpu = bu_pin_last_cpu();
    bu_corpus c;
    if (bu_corpus_load(&c) != 0)
        return 1;
    cx_md_batch b;
    if (bu_batch_alloc(&b) != 0)
        return 1;
    Dec d;
    d.reg = &c.reg;
    d.snap_sym = "BTCUSDT";
    d.snap_sym_len = 7;
    if (d.parser.allocate(1 << 20) != SUCCESS)
        return 1;
    const char *impl = BU_STR(SIMDJSON_BUILTIN_IMPLEMENTATION); // this TU's On-Demand kernel
    std::printf("## bench_decode_simdjson: simdjson %s On-Demand (builtin kernel %s, stage-1 "
                "kernel %s; pinned to CPU %d)\n\n",
                BU_STR(SIMDJSON_VERSION), impl, simdjson::get_active_implementation()->name().data(),
                cpu);
    std::printf("| message type | numbers | msgs | ns/msg | MB/s | checksum | status |\n");
    std::printf("|---|---|---:|---:|---:|---|---|\n");
    bool ok = true;
    for (int k = 0; k < BU_CAT_COUNT; k++) {
        bu_cat cat = (bu_cat)k;
        if (c.n[cat] == 0) {
            ok = false;
            continue;
        }
        ok &= bench_variant<Conv::Dec>(d, c, cat, &b, "cx_dec", impl, tsv);
        ok &= bench_variant<Conv::Dbl>(d, c, cat, &b, "double", impl, tsv);
    }
    std::printf("\n");
    if (tsv != nullptr)
        std::fclose(tsv);
    std::free(b.ev);
    bu_corpus_free(&c);
    if (!ok)
        std::fprintf(stderr, "bench_decode_simdjson: CHECK FAILED\n");
    return ok ? 0 : 1;
}
