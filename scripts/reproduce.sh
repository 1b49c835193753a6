#!/bin/sh
# The main job: install what is missing, build, and reproduce the paper's
# experiments into results/ (figures, CSV files, REPORT.md). Extra arguments go
# to `whiten reproduce`, e.g. --full or --only E2,E5.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
scripts/setup.sh build -Dbuildtype=release
./build/src/whiten reproduce --out results "$@"
