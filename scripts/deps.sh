#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages cexarb needs to build, test and benchmark, but only those
# that are missing. Idempotent; runs apt-get directly as root and through sudo otherwise.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev python3
      zlib1g-dev libcjson-dev libyaml-dev libjsmn-dev libcmocka-dev
      g++ libsimdjson-dev libssl-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
