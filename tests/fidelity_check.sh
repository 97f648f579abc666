#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the default and the busy maker_hedge backtests (each with both queue models) and checks
# every session with two independent tools that read the raw recordings and none of the
# engine's code: tools/fidelity_check.py (properties a real venue guarantees) and
# tools/fidelity_resim.py (re-simulates the venue by the documented rules and must reproduce
# every fill and every post-only decision exactly). Usage: tests/fidelity_check.sh CEXARB_BINARY
set -euo pipefail
cli=$1
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
exit $status
