#!/bin/sh
# Run one libFuzzer harness for a set time:  scripts/fuzz.sh NAME SECONDS
# NAME is npy, csv, csv_header, state, repro_ckpt or options (fuzz/fuzz_NAME.c). Builds build-fuzz with
# clang (packages clang-14 or clang, and libclang-rt-14-dev for the fuzzer
# runtime) and AddressSanitizer + UndefinedBehaviorSanitizer, then fuzzes from
# the committed seeds in fuzz/corpus/NAME, keeping new inputs in a scratch
# corpus (build-fuzz/corpus/NAME) so the repository stays small. A crash,
# sanitizer report, leak or hang (> 10 s) stops the run and leaves the input as
# build-fuzz/artifacts/NAME/crash-* (or timeout-*, leak-*); the last line
# "stat::number_of_executed_units" gives the execution count.
set -eu
[ $# -eq 2 ] || { echo "usage: scripts/fuzz.sh NAME SECONDS" >&2; exit 2; }
name=$1 seconds=$2
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
if [ ! -d "$build" ]; then
    CC=${CC:-clang} meson setup "$build" -Dfuzz=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
fi
ninja -C "$build" "fuzz/fuzz_$name"
mkdir -p "$build/corpus/$name" "$build/artifacts/$name"
# The option parser prints usage errors and --help by design: close the
# harness's stdout and stderr (libFuzzer keeps its own copy of stderr).
mask=0
[ "$name" = options ] && mask=3
dict=""
[ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
exec "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -close_fd_mask=$mask -print_final_stats=1 $dict \
    -artifact_prefix="$build/artifacts/$name/" "$build/corpus/$name" "fuzz/corpus/$name"
