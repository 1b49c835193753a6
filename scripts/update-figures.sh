#!/bin/sh
# Regenerate the figures shown in the README (docs/figures/) from a quick run.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
scripts/setup.sh build -Dbuildtype=release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build/src/whiten reproduce --quick --out "$work"
mkdir -p docs/figures
cp "$work"/*.png docs/figures/
cp "$work"/REPORT.md docs/figures/REPORT.md
echo "update-figures: copied $(ls "$work"/*.png | wc -l) figures into docs/figures/"
