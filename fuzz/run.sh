#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target for a bounded time, seeded with lines of the real bundled data.
# usage: fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
set -eu
build=$1
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$build/corpus
rm -rf "$corpus"
mkdir -p "$corpus"/{binance,hyperliquid,gate,decimal}
# Seeds: real messages (json part of each line), a sample of each file.
seed() { # name file awk-prog count
  local out=$corpus/$1 i=0
  while IFS= read -r line; do
    printf '%s' "$line" > "$out/seed_$i"; i=$((i+1))
  done < <($3 "$2" | awk "$4" | head -n "$5")
}
seed binance "$root/data/binance/spot/btcusdt_20240808.gz" "zcat" '{sub(/^[0-9]+ /,""); print}' 300
seed binance "$root/data/binance/usdm/btcusdt_20240808.gz" "zcat" 'NR>300{sub(/^[0-9]+ /,""); print}' 300
seed hyperliquid "$root/data/binance/hyperliquid/btcusd_20250126.gz" "zcat" '{sub(/^[0-9]+ /,""); print}' 60
seed gate "$root/data/gateio-cryptofeed/GATEIO.ws.1.0" "cat" '!/ <-/ && /: \{/{sub(/^[^{]*/,""); print}' 300
seed gate "$root/data/gateio-cryptofeed/GATEIO_FUTURES.ws.1.0" "cat" '!/ <-/ && /: \{/{sub(/^[^{]*/,""); print}' 300
seed gate "$root/data/gateio-cryptofeed/GATEIO.http.0.0" "cat" '/ -> /{sub(/^[^{]*/,""); print}' 20
seed gate "$root/data/gateio-cryptofeed/GATEIO_FUTURES.http.0.0" "cat" '/ -> /{sub(/^[^{]*/,""); print}' 20
zcat "$root/data/binance/spot/btcusdt_20240808.gz" | head -n 2000 | grep -oE '"-?[0-9]+\.[0-9]+"' \
  | tr -d '"' | sort -u | head -n 200 | awk -v d="$corpus/decimal" '{f=d"/s"NR; printf "%c%s", 10, $0 > f}'
# Configuration seeds: the shipped files and a document with every key of fuzz_conf's table.
mkdir -p "$corpus/conf"
cp "$root/configs/maker_hedge.yaml" "$root/data/instruments/binance.yaml" "$corpus/conf/"
printf '%s\n' 'small: -5' 'byte: 255' 'big: 18446744073709551615' 'wide: -1' 'ratio: 1' \
  'num: 1e-3' 'amount: "0.00000001"' 'price: 0.1' 'timeout: 1.5s' 'any: -90m' 'name: "a\tb"' \
  'venue: gate_futures' 'color: blue' 'flag: true' 'inner: {level: 10, weight: 1}' \
  'extra_level: 0' 'extra_weight: 0' 'items: [{name: a, qty: 1, px: "1.25"}, {name: b}]' \
  > "$corpus/conf/all_keys.yaml"
status=0
for t in "$build"/fuzz/fuzz_*; do
  [[ -x $t ]] || continue
  name=$(basename "$t"); name=${name#fuzz_}; name=${name#decode_}
  dir=$corpus/$name
  [[ -d $dir ]] || dir=$corpus/decimal
  echo "fuzz: $(basename "$t") for ${secs}s on $(ls "$dir" | wc -l) seeds"
  if ! "$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/" "$dir" > "$build/$(basename "$t").log" 2>&1; then
    echo "fuzz: $(basename "$t") FAILED (see $build/$(basename "$t").log)"; tail -n 30 "$build/$(basename "$t").log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$build/$(basename "$t").log" | tail -n 2 | sed 's/^/  /'
  fi
done
exit $status
