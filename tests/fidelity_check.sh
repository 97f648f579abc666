#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the default and the busy maker_hedge backtests (each with both queue models) and three
# sessions of a seeded random-order strategy (tests/fidelity_random.c: GTC, IOC, FOK, market
# and post-only orders on both instruments, reduce-only, off-tick/off-lot/small orders, cancels;
# one variant with a 20 ms reorder window so that messages arrive late, one with the
# probabilistic queue model, one stopped early), and checks every session with two independent
# tools that read the raw recordings and none of the engine's code: tools/fidelity_check.py
# (properties a real venue guarantees) and tools/fidelity_resim.py (re-simulates the venue by
# the documented rules and must reproduce every fill and every decision exactly). For the random
# sessions tests/fidelity_random_cover.py prints what they exercised and fails when a venue path
# they are meant to reach never occurred.
# Usage: tests/fidelity_check.sh CEXARB_BINARY FIDELITY_RANDOM_BINARY
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: tests/fidelity_check.sh CEXARB_BINARY FIDELITY_RANDOM_BINARY" >&2
  exit 2
fi
cli=$1
rand=$2
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/cx_fidelity_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'backtest: {queue_model: probabilistic}\n' > "$tmp/prob.yaml"
{ cat configs/maker_hedge_busy.yaml; printf '  queue_model: probabilistic\n'; } > "$tmp/busy_prob.yaml"
status=0
for cfg in default "$tmp/prob.yaml" configs/maker_hedge_busy.yaml "$tmp/busy_prob.yaml"; do
  name=$(basename "$cfg" .yaml)
  if [[ $cfg == default ]]; then args=(); else args=("$cfg"); fi
  "$cli" backtest "${args[@]}" --out "$tmp/$name" > /dev/null 2>&1
  echo "== $name"
  python3 tools/fidelity_check.py "$tmp/$name" || status=1
  python3 tools/fidelity_resim.py "$tmp/$name" || status=1
done

# Random-order variants: name, the cover script's extra kinds, then fidelity_random's options.
variants=(
  "random_late|late|--seed 1 --window-ms 20 --lognormal"
  "random_prob|probabilistic|--seed 2 --queue probabilistic"
  "random_stop|early_stop|--seed 3 --stop-after-s 150"
)
for v in "${variants[@]}"; do
  IFS='|' read -r name kinds opts <<< "$v"
  echo "== $name ($opts)"
  # shellcheck disable=SC2086 # opts and kinds are word lists
  if ! "$rand" "$tmp/$name" $opts > "$tmp/$name.out" 2>&1; then
    cat "$tmp/$name.out"
    status=1
    continue
  fi
  # shellcheck disable=SC2086
  python3 tests/fidelity_random_cover.py "$tmp/$name" $kinds || status=1
  python3 tools/fidelity_check.py "$tmp/$name" || status=1
  python3 tools/fidelity_resim.py "$tmp/$name" || status=1
done
exit $status
