#!/usr/bin/env bash
# Installs, from Debian's packages, whatever Lineage needs to build and test that is missing.
# Safe to run repeatedly: it asks apt only for packages that are not installed yet.
set -euo pipefail

packages=(
  cmake g++ make pkg-config git
  libeigen3-dev libhdf5-dev libcli11-dev doctest-dev libsimdjson-dev
  libpcre2-dev libssl-dev libopenblas-dev libtomlplusplus-dev
)
# Extra packages for some tests (headless browser for the HTML report, Slurm for batch tests)
# are installed by those tests' own scripts when they run.

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install_deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
