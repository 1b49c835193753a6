#!/bin/sh
# The unit test suites under valgrind memcheck (slow: about 25 minutes on two
# shared cores; docs/checking.md has the last run). Fails on any memory error
# and on any definitely or indirectly lost block; "possibly lost" blocks are
# shown, and tests/valgrind.supp hides the one known kind, inside Criterion's
# nanomsg. The end-to-end shell scripts are left out: valgrind would trace the
# shell and system tools, not whiten. Extra arguments select tests by name,
# e.g. scripts/valgrind.sh alloc state.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
command -v valgrind >/dev/null || { apt-get update -q && apt-get install -y -q valgrind; }
scripts/setup.sh build-valgrind -Dbuildtype=debugoptimized
meson test -C build-valgrind --print-errorlogs --timeout-multiplier 10 \
    --wrap="valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect,possible --suppressions=$(pwd)/tests/valgrind.supp \
--trace-children=yes --quiet" --suite unit "$@"
