// SPDX-License-Identifier: MIT
//
// bench_replay_simdjson: the "straightforward" comparison replayer from the issue: simdjson
// On-Demand + get_double_in_string() + one std::map<int64_t, int64_t> per book side, on the same
// in-memory decompressed Binance files as bench_replay, timed the same way (line split + prefix
// parse + decode + book, min of 5 runs, merged by local time with ties to spot).
//
// Sequencing is the documented Binance procedure, kept simple: deltas before the snapshot are
// held (copied) and replayed after it; then spot needs U == last + 1, USD-M pu == last; old
// messages are dropped; a gap is only counted (the book keeps going). bookTicker and trade
// messages are fully parsed but not cross-checked against the book (bench_replay does that), so
// this side does slightly less work. Prices/quantities are rounded to the instrument's integer
// units (llround(x * 10^-exp)), so the final top 5 levels can be compared with cexarb's:
// bench/run.sh requires the hashes to be equal.
//
// Usage: bench_replay_simdjson [--tsv FILE]

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_util.h"

#define BU_STR2(x) #x
#define BU_STR(x) BU_STR2(x)

using namespace simdjson;

namespace {

constexpr int kRuns = 5;

struct Level {
    int64_t p, q;
};

struct Pending {
    uint64_t U, u, pu;
    std::vector<Level> bids, asks;
};

struct Book {
    uint32_t inst_id = 0;
    bool usdm = false;
    double pscale = 1, qscale = 1;
    std::map<int64_t, int64_t, std::greater<int64_t>> bids;
    std::map<int64_t, int64_t> asks;
    bool synced = false, chained = false;
    uint64_t lid = 0, last = 0;
    std::vector<Pending> pending;
    uint64_t gaps = 0, changes = 0, dropped = 0;
    double sink = 0;

    template <class M> void set(M &m, const Level &l)
    {
        changes++;
        if (l.q == 0)
            m.erase(l.p);
        else
            m[l.p] = l.q;
    }

    // Sequencing; true when the delta is to be applied.
    bool accept(uint64_t U, uint64_t u, uint64_t pu)
    {
        if (!chained) {
            if (usdm ? u < lid : u <= lid) {
                dropped++;
                return false;
            }
            uint64_t want = usdm ? lid : lid + 1;
            if (!(U <= want && want <= u))
                gaps++;
            chained = true;
        } else {
            if (u <= last) {
                dropped++;
                return false;
            }
            if (usdm ? pu != last : U != last + 1)
                gaps++;
        }
        last = u;
        return true;
    }
};

simdjson_inline bool dbl(ondemand::value v, double scale, int64_t &out)
{
    double d;
    if (v.get_double_in_string().get(d))
        return false;
    out = std::llround(d * scale);
    return true;
}

template <class F> simdjson_inline bool each_level(ondemand::value arrv, double ps, double qs, F f)
{
    ondemand::array arr;
    if (arrv.get_array().get(arr))
        return false;
    for (auto lr : arr) {
        ondemand::array lvl;
        if (lr.get_array().get(lvl))
            return false;
        int64_t pq[2];
        unsigned i = 0;
        for (auto xr : lvl) {
            ondemand::value x;
            if (xr.get(x) || i >= 2 || !dbl(x, i ? qs : ps, pq[i]))
                return false;
            i++;
        }
        if (i != 2)
            return false;
        f(Level{pq[0], pq[1]});
    }
    return true;
}

struct Replayer {
    ondemand::parser parser;
    const cx_registry *reg;
    std::vector<Book> books;
    uint64_t lines = 0, errors = 0, messages = 0, by_kind[4] = {0, 0, 0, 0};
    double sink = 0;

    Book *book_for(cx_venue v, std::string_view sym)
    {
        const cx_instrument *in = cx_registry_find(reg, v, sym.data(), sym.size());
        if (in == nullptr)
            return nullptr;
        for (auto &b : books)
            if (b.inst_id == in->id)
                return &b;
        books.emplace_back();
        Book &b = books.back();
        b.inst_id = in->id;
        b.usdm = v == CX_VENUE_BINANCE_USDM;
        b.pscale = std::pow(10.0, -in->price_exp);
        b.qscale = std::pow(10.0, -in->qty_exp);
        return &b;
    }

    bool depth(Book *b, ondemand::object d)
    {
        uint64_t E, U, u, pu = 0;
        if (d["E"].get_uint64().get(E) || d["U"].get_uint64().get(U) || d["u"].get_uint64().get(u))
            return false;
        if (b->usdm && d["pu"].get_uint64().get(pu))
            return false;
        ondemand::value bv, av;
        if (!b->synced) { // hold a copy until the snapshot
            Pending p{U, u, pu, {}, {}};
            if (d["b"].get(bv) || !each_level(bv, b->pscale, b->qscale, [&](const Level &l) { p.bids.push_back(l); }))
                return false;
            if (d["a"].get(av) || !each_level(av, b->pscale, b->qscale, [&](const Level &l) { p.asks.push_back(l); }))
                return false;
            b->pending.push_back(std::move(p));
            return true;
        }
        bool apply = b->accept(U, u, pu);
        if (d["b"].get(bv) || !each_level(bv, b->pscale, b->qscale, [&](const Level &l) {
                if (apply)
                    b->set(b->bids, l);
            }))
            return false;
        if (d["a"].get(av) || !each_level(av, b->pscale, b->qscale, [&](const Level &l) {
                if (apply)
                    b->set(b->asks, l);
            }))
            return false;
        return true;
    }

    bool line(const char *j, size_t n, cx_venue venue)
    {
        ondemand::document doc;
        if (parser.iterate(padded_string_view(j, n, n + SIMDJSON_PADDING)).get(doc))
            return false;
        ondemand::object top;
        if (doc.get_object().get(top))
            return false;
        std::string_view stream, s;
        for (auto fr : top) {
            ondemand::field f;
            if (std::move(fr).get(f))
                return false;
            ondemand::raw_json_string k = f.key();
            if (k == "stream") {
                if (f.value().get_string().get(stream))
                    return false;
            } else if (k == "data") {
                ondemand::object d;
                if (f.value().get_object().get(d))
                    return false;
                size_t at = stream.find('@');
                std::string_view kind = at == std::string_view::npos ? "" : stream.substr(at + 1);
                if (kind.substr(0, 5) == "depth") {
                    if (d["s"].get_string().get(s))
                        return false;
                    Book *b = book_for(venue, s);
                    if (b == nullptr || !depth(b, d))
                        return false;
                    by_kind[0]++;
                } else if (kind.substr(0, 10) == "bookTicker") {
                    uint64_t u;
                    int64_t bp, bq, ap, aq;
                    ondemand::value v;
                    if (d["u"].get_uint64().get(u) || d["s"].get_string().get(s))
                        return false;
                    Book *b = book_for(venue, s);
                    if (b == nullptr || d["b"].get(v) || !dbl(v, b->pscale, bp) || d["B"].get(v) ||
                        !dbl(v, b->qscale, bq) || d["a"].get(v) || !dbl(v, b->pscale, ap) ||
                        d["A"].get(v) || !dbl(v, b->qscale, aq))
                        return false;
                    sink += (double)(bp + bq + ap + aq + (int64_t)u);
                    by_kind[1]++;
                } else if (kind.substr(0, 5) == "trade") {
                    uint64_t E, t;
                    int64_t p, q;
                    bool m;
                    ondemand::value v;
                    if (d["E"].get_uint64().get(E) || d["s"].get_string().get(s))
                        return false;
                    Book *b = book_for(venue, s);
                    if (b == nullptr || d["t"].get_uint64().get(t) || d["p"].get(v) ||
                        !dbl(v, b->pscale, p) || d["q"].get(v) || !dbl(v, b->qscale, q) ||
                        d["m"].get_bool().get(m))
                        return false;
                    sink += (double)(p + q + (int64_t)t + (m ? 1 : 0) + (int64_t)E);
                    by_kind[2]++;
                } else {
                    return false;
                }
            } else if (k == "lastUpdateId") { // REST snapshot: the file's symbol
                uint64_t lid;
                if (f.value().get_uint64().get(lid))
                    return false;
                Book *b = book_for(venue, "BTCUSDT");
                if (b == nullptr)
                    return false;
                b->bids.clear();
                b->asks.clear();
                b->lid = lid;
                b->last = lid;
                b->chained = false;
                b->synced = true;
                by_kind[3]++;
            } else if (k == "bids" || k == "asks") {
                Book *b = book_for(venue, "BTCUSDT");
                bool ask = k == "asks";
                if (b == nullptr || !each_level(f.value(), b->pscale, b->qscale, [&](const Level &l) {
                        if (l.q == 0)
                            return;
                        if (ask)
                            b->asks[l.p] = l.q;
                        else
                            b->bids[l.p] = l.q;
                    }))
                    return false;
                if (ask) { // snapshot complete: replay what was held
                    for (auto &p : b->pending) {
                        if (!b->accept(p.U, p.u, p.pu))
                            continue;
                        for (auto &l : p.bids)
                            b->set(b->bids, l);
                        for (auto &l : p.asks)
                            b->set(b->asks, l);
                    }
                    b->pending.clear();
                }
            }
        }
        return true;
    }
};

struct MFile {
    const char *name;
    cx_venue venue;
    char *buf;
    size_t len;
};

struct Cursor {
    const char *p, *end, *json, *eol;
    int64_t ts;
};

void cur_next(Cursor &c, uint64_t &errors, uint64_t &lines)
{
    while (c.p < c.end) {
        const char *nl = static_cast<const char *>(std::memchr(c.p, '\n', (size_t)(c.end - c.p)));
        const char *eol = nl ? nl : c.end;
        const char *line = c.p;
        c.p = nl ? nl + 1 : c.end;
        if (eol == line)
            continue;
        lines++;
        int64_t v = 0;
        const char *s = line;
        while (s < eol && (unsigned)(*s - '0') < 10u)
            v = v * 10 + (*s++ - '0');
        if (s == line || s >= eol || *s != ' ') {
            errors++;
            continue;
        }
        c.json = s + 1;
        c.eol = eol;
        c.ts = v;
        return;
    }
    c.ts = INT64_MAX;
}

struct Result {
    int64_t ns;
    uint64_t lines, bytes, errors, changes, gaps, by_kind[4];
    uint64_t top_hash;
};

Result replay_once(const MFile *files, uint32_t nf, const cx_registry *reg)
{
    Replayer r;
    r.reg = reg;
    r.books.reserve(8);
    if (r.parser.allocate(1 << 20) != SUCCESS)
        std::abort();
    Result res{};
    int64_t t0 = bu_now_ns();
    Cursor cur[4];
    for (uint32_t i = 0; i < nf; i++) {
        cur[i] = Cursor{files[i].buf, files[i].buf + files[i].len, nullptr, nullptr, 0};
        cur_next(cur[i], r.errors, r.lines);
    }
    for (;;) {
        uint32_t k = 0;
        for (uint32_t i = 1; i < nf; i++)
            if (cur[i].ts < cur[k].ts)
                k = i;
        Cursor &c = cur[k];
        if (c.ts == INT64_MAX)
            break;
        if (!r.line(c.json, (size_t)(c.eol - c.json), files[k].venue))
            r.errors++;
        cur_next(c, r.errors, r.lines);
    }
    res.ns = bu_now_ns() - t0;
    bu_sink_u64((uint64_t)r.sink);
    res.lines = r.lines;
    res.errors = r.errors;
    for (int i = 0; i < 4; i++)
        res.by_kind[i] = r.by_kind[i];
    for (uint32_t i = 0; i < nf; i++)
        res.bytes += files[i].len;
    res.top_hash = 0x243f6a8885a308d3ull;
    std::vector<Book *> order;
    for (auto &b : r.books)
        order.push_back(&b);
    std::sort(order.begin(), order.end(), [](Book *a, Book *b) { return a->inst_id < b->inst_id; });
    for (Book *b : order) {
        res.changes += b->changes;
        res.gaps += b->gaps;
        int64_t bp[5], bq[5], ap[5], aq[5];
        uint32_t nb = 0, na = 0;
        for (auto it = b->bids.begin(); it != b->bids.end() && nb < 5; ++it, ++nb)
            bp[nb] = it->first, bq[nb] = it->second;
        for (auto it = b->asks.begin(); it != b->asks.end() && na < 5; ++it, ++na)
            ap[na] = it->first, aq[na] = it->second;
        res.top_hash = bu_top_hash(res.top_hash, bp, bq, nb, ap, aq, na);
    }
    return res;
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
    cx_registry reg;
    cx_parse_err err{};
    if (cx_registry_init(&reg, 16) != 0 || cx_registry_load_yaml(&reg, BU_BINANCE_YAML, &err) != 0) {
        std::fprintf(stderr, "bench_replay_simdjson: registry: %s\n", err.msg ? err.msg : "?");
        return 1;
    }
    const char *paths[2] = {BU_SPOT_PATH, BU_USDM_PATH};
    cx_md_reader_opts popts{};
    popts.strict = true;
    if (cx_md_prescan(paths, 2, &popts, &reg, nullptr, &err) != 0)
        return 1;
    MFile files[2] = {{"spot", CX_VENUE_BINANCE_SPOT, nullptr, 0},
                      {"usdm", CX_VENUE_BINANCE_USDM, nullptr, 0}};
    for (int i = 0; i < 2; i++)
        if (bu_load_file(paths[i], BU_PAD, &files[i].buf, &files[i].len) != 0)
            return 1;
    const char *impl = BU_STR(SIMDJSON_BUILTIN_IMPLEMENTATION); // this TU's On-Demand kernel
    std::printf("## bench_replay_simdjson: simdjson %s On-Demand (builtin %s) + std::map "
                "(pinned to CPU %d)\n\n",
                BU_STR(SIMDJSON_VERSION), impl, cpu);
    std::printf("| input | lines | ms | msgs/s | MB/s | ns/msg | level changes | gaps | errors |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    const char *set_names[3] = {"spot", "usdm", "spot+usdm merged"};
    bool ok = true;
    for (int s = 0; s < 3; s++) {
        Result best{};
        best.ns = INT64_MAX;
        for (int r = 0; r <= kRuns; r++) {
            Result res = s < 2 ? replay_once(&files[s], 1, &reg) : replay_once(files, 2, &reg);
            if (r > 0 && res.ns < best.ns)
                best = res;
        }
        double sec = (double)best.ns / 1e9;
        double mps = (double)best.lines / sec;
        ok &= best.errors == 0 && best.gaps == 0;
        std::printf("| %s | %llu | %.2f | %.2f M | %.0f | %.0f | %llu | %llu | %llu |\n",
                    set_names[s], (unsigned long long)best.lines, best.ns / 1e6, mps / 1e6,
                    (double)best.bytes / 1e6 / sec, (double)best.ns / (double)best.lines,
                    (unsigned long long)best.changes, (unsigned long long)best.gaps,
                    (unsigned long long)best.errors);
        if (tsv != nullptr)
            std::fprintf(tsv, "replay\tsimdjson-%s\t%s\t%llu\t%llu\t%lld\t%.1f\t%.3f\t%016llx\n", impl,
                         set_names[s], (unsigned long long)best.lines,
                         (unsigned long long)best.bytes, (long long)best.ns, mps,
                         (double)best.bytes / 1e6 / sec, (unsigned long long)best.top_hash);
    }
    std::printf("\n");
    if (tsv != nullptr)
        std::fclose(tsv);
    for (auto &f : files)
        std::free(f.buf);
    cx_registry_fini(&reg);
    if (!ok)
        std::fprintf(stderr, "bench_replay_simdjson: CHECK FAILED (errors or gaps)\n");
    return ok ? 0 : 1;
}
