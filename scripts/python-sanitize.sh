#!/bin/sh
# The Python extension under AddressSanitizer and UndefinedBehaviorSanitizer: meson builds no
# Python module under -Db_sanitize (an instrumented module cannot load into Debian's python3),
# so this builds python/whiten/_whiten.c by hand against the sanitized libwhiten_core.a of
# build-san, preloads the sanitizer runtimes into /usr/bin/python3 and runs the pytest suite
# (leak detection off: the interpreter itself does not free everything at exit).
# The CLI it compares with is the plain build/src/whiten (WHITEN_EXE overrides; the CLI has
# its own sanitized run in scripts/test.sh). Usage: scripts/python-sanitize.sh [pytest args]
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
[ -f build-san/build.ninja ] ||
    meson setup build-san -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined >/dev/null
ninja -C build-san src/libwhiten_core.a >/dev/null
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
mkdir "$pkg/whiten"
cp python/whiten/*.py "$pkg/whiten/"
npinc=$(/usr/bin/python3 -c "import numpy; print(numpy.get_include())")
suffix=$(/usr/bin/python3 -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
pyinc=$(/usr/bin/python3 -c "import sysconfig; print(sysconfig.get_paths()['include'])")
gcc -std=c17 -O1 -g -shared -fPIC -fsanitize=address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -Werror -Iinclude -Ibuild-san/include -isystem "$pyinc" -isystem "$npinc" \
    python/whiten/_whiten.c -Wl,--whole-archive build-san/src/libwhiten_core.a \
    -Wl,--no-whole-archive -lopenblas -llapacke -lgsl -lm -o "$pkg/whiten/_whiten$suffix"
cd "$pkg"
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
OPENBLAS_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1 WHITEN_EXE="${WHITEN_EXE:-$root/build/src/whiten}" \
WHITEN_SOURCE_ROOT="$root" PYTHONPATH="$pkg" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/python/tests" \
    --deselect "$root/python/tests/test_install.py" "$@"
