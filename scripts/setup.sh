#!/bin/sh
# Install the Debian packages whiten needs (only those missing), then configure
# and build into the given folder. Usage: scripts/setup.sh BUILD_DIR [meson options...]
set -eu
cd "$(dirname "$0")/.."

packages="gcc pkg-config meson ninja-build python3 libopenblas-dev liblapacke-dev libgsl-dev
libcriterion-dev libcjson-dev zlib1g-dev libpng-dev libplplot-dev plplot-driver-cairo python3-numpy
slurmctld slurmd slurm-client munge
python3-dev python3-mesonpy python3-pytest python3-sklearn python3-pil python3-scipy python3-matplotlib python3-venv
python3-pip"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q $missing
fi

build=$1
shift
if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" "$@" >/dev/null
else
    meson setup "$build" "$@" >/dev/null
fi
ninja -C "$build"
