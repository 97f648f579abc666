#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every benchmark of a build, print the results and append them, with machine, kernel,
# compilers, flags and commit, to bench/RESULTS.md (STYLE.md J.63).
#
#   bash bench/run.sh BUILD_DIR        (`make bench` does this with build-bench)
#   env: BENCH_ROUNDS (default 3) interleaved rounds of the side-by-side comparisons;
#        CX_BENCH_RESULTS to append somewhere other than bench/RESULTS.md (trial runs)
#
# Each benchmark checks its own results and exits non-zero when one is wrong; this script also
# requires the simdjson comparisons to have extracted exactly the numbers cexarb's decoders did
# (checksums) and the std::map replayer to end with the same top-of-book. Speed targets are
# reported as PASS/MISS and never fail the run; a wrong result does (exit 1).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build-bench}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
BIN=$BUILD/bench
if [[ ! -x $BIN/bench_decode ]]; then
  echo "run.sh: no benchmarks in $BIN (build with -DCX_BUILD_BENCH=ON first)" >&2
  exit 2
fi
OUT=$(mktemp -d)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
trap 'rm -rf "$OUT"' EXIT
failed=()

# run NAME CMD...: stdout -> $OUT/NAME.md (and the terminal), stderr -> terminal.
run() {
  local name=$1
  shift
  echo ">>> ${*##*/}" >&2
  "$@" >"$OUT/$name.md"
  local rc=$?
  cat "$OUT/$name.md"
  if ((rc != 0)); then
    failed+=("$name (exit $rc)")
  fi
}

SJ=(bench_decode_simdjson)
SJR=(bench_replay_simdjson)
[[ -x $BIN/bench_decode_simdjson_native ]] && SJ+=(bench_decode_simdjson_native)
[[ -x $BIN/bench_replay_simdjson_native ]] && SJR+=(bench_replay_simdjson_native)

# 1. decode: ours and simdjson, back to back on the same input, in BENCH_ROUNDS (3) interleaved
# rounds (other processes may share the CPUs: the side-by-side table keeps each decoder's best
# round, and every round's checksums must agree). Per-binary tables show round 1.
ROUNDS=${BENCH_ROUNDS:-3}
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r == 1)); then
    run decode "$BIN/bench_decode" --tsv "$OUT/dec_ours.r$r.tsv"
    for s in "${SJ[@]}"; do run "$s" "$BIN/$s" --tsv "$OUT/dec_$s.r$r.tsv"; done
  else
    echo ">>> decode round $r of $ROUNDS" >&2
    "$BIN/bench_decode" --tsv "$OUT/dec_ours.r$r.tsv" >/dev/null || failed+=("decode round $r")
    for s in "${SJ[@]}"; do
      "$BIN/$s" --tsv "$OUT/dec_$s.r$r.tsv" >/dev/null || failed+=("$s round $r")
    done
  fi
done
# 2. book
run book "$BIN/bench_book" --tsv "$OUT/book.tsv"
run signal "$BIN/bench_signal"
run backtest "$BIN/bench_backtest"
# 3. replay: ours, then the straightforward simdjson + std::map replayer; then more interleaved
# rounds of the in-memory part (side by side keeps each replayer's best round).
run replay "$BIN/bench_replay" --tsv "$OUT/replay_ours.r1.tsv"
for s in "${SJR[@]}"; do run "$s" "$BIN/$s" --tsv "$OUT/replay_$s.r1.tsv"; done
for ((r = 2; r <= ROUNDS; r++)); do
  echo ">>> replay round $r of $ROUNDS" >&2
  "$BIN/bench_replay" --only-mem --tsv "$OUT/replay_ours.r$r.tsv" >/dev/null ||
    failed+=("replay round $r")
  for s in "${SJR[@]}"; do
    "$BIN/$s" --tsv "$OUT/replay_$s.r$r.tsv" >/dev/null || failed+=("$s round $r")
  done
done

# Side-by-side decode table and the checksum comparison.
decode_cmp() {
  cat "$OUT"/dec_*.tsv 2>/dev/null | awk -F'\t' -v rounds="$ROUNDS" '
    {
      cat = $1; impl = $2
      if (!(cat in seen_cat)) { seen_cat[cat] = 1; cats[++nc] = cat }
      if (!(impl in seen_impl)) { seen_impl[impl] = 1; if (impl != "ours") impls[++ni] = impl }
      if (have[cat, impl]) { # another round: keep the best time; results must not change
        if ($8 != full[cat, impl] || $9 != ids[cat, impl] || $5 != lv[cat, impl]) unstable[cat, impl] = 1
        if ($6 + 0 < ns[cat, impl] + 0) { ns[cat, impl] = $6; mb[cat, impl] = $7 }
        next
      }
      ns[cat, impl] = $6; mb[cat, impl] = $7; full[cat, impl] = $8; ids[cat, impl] = $9
      ps[cat, impl] = $10; qs[cat, impl] = $11; lv[cat, impl] = $5; have[cat, impl] = 1
    }
    function rel(a, b) { d = a - b; if (d < 0) d = -d; m = (b < 0 ? -b : b); return m == 0 ? d : d / m }
    END {
      printf "## decode side by side (ns/msg, MB/s in parentheses; best of %d interleaved rounds, each a min of 5 runs)\n\n", rounds
      printf "| message type | cexarb |"
      for (i = 1; i <= ni; i++) printf " %s |", impls[i]
      printf " cexarb / best simdjson (MB/s) | checksums | target: cexarb >= simdjson (depth) |\n|---|---:|"
      for (i = 1; i <= ni; i++) printf "---:|"
      printf "---:|---|---|\n"
      bad = 0
      for (c = 1; c <= nc; c++) {
        cat = cats[c]
        if (!have[cat, "ours"]) { printf "| %s | missing |\n", cat; bad = 1; continue }
        printf "| %s | %.0f (%.0f) |", cat, ns[cat, "ours"], mb[cat, "ours"]
        best = 0; sums = "equal"
        for (i = 1; i <= ni; i++) {
          im = impls[i]
          if (!have[cat, im]) { printf " - |"; continue }
          printf " %.0f (%.0f) |", ns[cat, im], mb[cat, im]
          if (mb[cat, im] > best) best = mb[cat, im]
          if (unstable[cat, im] || unstable[cat, "ours"]) { sums = "CHANGED BETWEEN ROUNDS"; bad = 1 }
          if (im ~ /cx_dec$/) {
            if (full[cat, im] != full[cat, "ours"] || ids[cat, im] != ids[cat, "ours"] || lv[cat, im] != lv[cat, "ours"]) { sums = "DIFFER (" im ")"; bad = 1 }
          } else {
            if (ids[cat, im] != ids[cat, "ours"] || lv[cat, im] != lv[cat, "ours"] || rel(ps[cat, im], ps[cat, "ours"]) > 1e-9 || rel(qs[cat, im], qs[cat, "ours"]) > 1e-9) { sums = "DIFFER (" im ")"; bad = 1 }
          }
        }
        ratio = best > 0 ? mb[cat, "ours"] / best : 0
        tgt = "-"
        if (cat ~ /depth|obu/) tgt = (ratio >= 1.0 ? "PASS" : "MISS")
        printf " %.2fx | %s | %s |\n", ratio, sums, tgt
      }
      printf "\nchecksum = hash over every message of (kind, instrument, U, u, pu, sum of price mantissas, sum of qty mantissas, level count); the `double` variants are compared on ids/counts exactly and on sums of values to 1e-9.\n\n"
      exit bad
    }'
}

replay_cmp() {
  cat "$OUT"/replay_*.tsv 2>/dev/null | awk -F'\t' -v rounds="$ROUNDS" '
    $1 == "replay" {
      set = $3; impl = $2
      if (!(set in seen_set)) { seen_set[set] = 1; sets[++ns_] = set }
      if (!(impl in seen_impl)) { seen_impl[impl] = 1; if (impl != "ours") impls[++ni] = impl }
      if (have[set, impl]) { # another round: keep the best; the final book must not change
        if ($9 != th[set, impl]) unstable = 1
        if ($7 + 0 > mps[set, impl] + 0) { mps[set, impl] = $7; mb[set, impl] = $8 }
        next
      }
      mps[set, impl] = $7; mb[set, impl] = $8; th[set, impl] = $9; have[set, impl] = 1
    }
    END {
      printf "## replay side by side (messages/s, MB/s in parentheses; decompression excluded; best of %d interleaved rounds, each a min of 5 runs)\n\n| input | cexarb |", rounds
      for (i = 1; i <= ni; i++) printf " %s + std::map |", impls[i]
      printf " cexarb / best | final top 5 equal |\n|---|---:|"
      for (i = 1; i <= ni; i++) printf "---:|"
      printf "---:|---|\n"
      bad = 0
      for (s = 1; s <= ns_; s++) {
        set = sets[s]
        printf "| %s | %.2f M (%.0f) |", set, mps[set, "ours"] / 1e6, mb[set, "ours"]
        best = 0; eq = "yes"
        for (i = 1; i <= ni; i++) {
          im = impls[i]
          if (!have[set, im]) { printf " - |"; continue }
          printf " %.2f M (%.0f) |", mps[set, im] / 1e6, mb[set, im]
          if (mps[set, im] > best) best = mps[set, im]
          if (th[set, im] != th[set, "ours"]) { eq = "NO (" im ")"; bad = 1 }
        }
        ratio = best > 0 ? mps[set, "ours"] / best : 0
        printf " %.2fx | %s |\n", ratio, eq
      }
      if (unstable) { printf "\nFINAL BOOKS CHANGED BETWEEN ROUNDS\n"; bad = 1 }
      printf "\n"
      exit bad
    }'
}

decode_cmp >"$OUT/decode_cmp.md" || failed+=("decode checksums differ between cexarb and simdjson")
replay_cmp >"$OUT/replay_cmp.md" || failed+=("final books differ between cexarb and the std::map replayer")
cat "$OUT/decode_cmp.md" "$OUT/replay_cmp.md"

# Environment of the run.
flags_of() { # flags_of TARGET_DIR VAR: compile flags the build used
  local f="$BUILD/$1/flags.make"
  [[ -f $f ]] && sed -n "s/^$2 = //p" "$f" | head -1
}
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then commit="$commit+dirty"; fi
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" | head -1)
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" | head -1)
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" | head -1)
simdjson_ver=$(dpkg-query -W -f='${Version}' libsimdjson-dev 2>/dev/null || echo unknown)
zlib_ver=$(dpkg-query -W -f='${Version}' zlib1g 2>/dev/null || echo unknown)
status="all checks passed"
((${#failed[@]} > 0)) && status="CHECKS FAILED: ${failed[*]}"

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit"
  echo
  echo "- machine: ${cpu:-unknown}, $(nproc) CPUs ($(uname -m))"
  echo "- kernel: $(uname -r); load average before the run: $load_before (other processes share the 2 CPUs)"
  echo "- compilers: ${cc:-cc}: $(${cc:-cc} --version | head -1); ${cxx:-c++}: $(${cxx:-c++} --version | head -1)"
  echo "- build: $btype; cx_md/cx_book: \`$(flags_of CMakeFiles/cx_md.dir C_FLAGS)\`; bench C: \`$(flags_of bench/CMakeFiles/bench_decode.dir C_FLAGS)\`; simdjson benches: \`$(flags_of bench/CMakeFiles/bench_decode_simdjson.dir CXX_FLAGS)\`, \`_native\`: \`$(flags_of bench/CMakeFiles/bench_decode_simdjson_native.dir CXX_FLAGS)\`"
  echo "- libraries: libsimdjson-dev $simdjson_ver, zlib $zlib_ver"
  echo "- status: $status"
  echo
  cat "$OUT/decode_cmp.md" "$OUT/decode.md"
  for s in "${SJ[@]}"; do cat "$OUT/$s.md"; done
  cat "$OUT/book.md" "$OUT/replay.md" "$OUT/replay_cmp.md" "$OUT/signal.md" "$OUT/backtest.md"
  for s in "${SJR[@]}"; do cat "$OUT/$s.md"; done
} >"$OUT/section.md"

RESULTS=${CX_BENCH_RESULTS:-$ROOT/bench/RESULTS.md} # override for trial runs
if [[ ! -f $RESULTS ]]; then
  cat >"$RESULTS" <<'EOF'
# Benchmark results

Appended by `bench/run.sh` (`make bench`), newest last: one section per run with machine, kernel,
compilers, flags and commit (STYLE.md J.63). Each benchmark checks its own results; speed targets
(design.md section 5) are marked PASS/MISS.
EOF
fi
cat "$OUT/section.md" >>"$RESULTS"
echo
echo "run.sh: appended to $RESULTS — $status"
((${#failed[@]} == 0))
