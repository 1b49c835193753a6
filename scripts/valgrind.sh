#!/bin/sh
# The unit test suites under valgrind memcheck (slow: a few minutes). Fails on
# any memory error or definite leak. The end-to-end shell scripts are left out:
# valgrind would trace the shell and system tools, not whiten.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
command -v valgrind >/dev/null || { apt-get update -q && apt-get install -y -q valgrind; }
scripts/setup.sh build-valgrind -Dbuildtype=debugoptimized
meson test -C build-valgrind --print-errorlogs --timeout-multiplier 10 \
    --wrap="valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
--trace-children=yes --quiet" --suite unit "$@"
