#!/bin/sh
# The main job: install what is missing, build, and write the results folder.
# Until `whiten reproduce` lands (issue 5) this runs the short demonstration.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
scripts/setup.sh build -Dbuildtype=release
./build/src/whiten demo --out results "$@"
