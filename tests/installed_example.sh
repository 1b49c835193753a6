#!/bin/bash
# The library as a user gets it: `meson install` into a temporary root, then the README's
# C example and examples/whiten_const.c compiled against the INSTALLED headers and library
# through pkg-config, with -std=c17 -Wall -Wextra -Werror, and run. Nothing of the source
# or build tree is on the include or library path.
# Usage: installed_example.sh BUILD_DIR README.md EXAMPLE.c
set -eu
build=$1 readme=$2 example=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$work/root" > "$work/install.log" 2>&1 ||
    { cat "$work/install.log"; exit 1; }
pc=$(find "$work/root" -name whiten.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: no whiten.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$work/root
cflags=$(pkg-config --cflags whiten) libs=$(pkg-config --libs whiten)
libdir=$(dirname "$(find "$work/root" -name "libwhiten.so.*" | head -1)")
echo "pkg-config: $cflags $libs"
case "$cflags $libs" in *"$work/root"*) ;; *) echo "FAIL: pkg-config does not point into the install"; exit 1 ;; esac
awk '/^```c$/ {on=1; next} on && /^```$/ {exit} on {print}' "$readme" > "$work/readme.c"
test -s "$work/readme.c" || { echo "FAIL: no \`\`\`c block in $readme"; exit 1; }
status=0
for src in "$work/readme.c" "$example"; do
    name=$(basename "$src" .c)
    # shellcheck disable=SC2086
    if ! cc -std=c17 -Wall -Wextra -Werror $cflags "$src" -o "$work/$name" $libs -lm; then
        echo "FAIL: $name does not compile against the installed library"; status=1; continue
    fi
    # It must load the installed library, not one of the build tree.
    lib=$(LD_LIBRARY_PATH=$libdir ldd "$work/$name" | awk '/libwhiten/ { print $3 }')
    case "$lib" in "$work/root"*) ;; *) echo "FAIL: $name loads '$lib'"; status=1; continue ;; esac
    if ! LD_LIBRARY_PATH=$libdir "$work/$name" > "$work/$name.out"; then
        cat "$work/$name.out"; echo "FAIL: $name exits non-zero"; status=1; continue
    fi
    cat "$work/$name.out"
done
# The README example prints its whitening error: it must have whitened.
awk '/^whitening error/ { found = 1; ok = ($3 < 0.3) } END { exit !(found && ok) }' "$work/readme.out" ||
    { echo "FAIL: the README example did not whiten"; status=1; }
exit $status
