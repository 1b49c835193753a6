#!/bin/sh
# Compile and run the C example of the README against the built library.
# usage: readme_example.sh README.md SRC_INCLUDE BUILD_INCLUDE LIBWHITEN_PATH [SANITIZE_FLAGS]
set -eu
readme=$1 src_inc=$2 build_inc=$3 lib=$4 sanitize=${5:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first fenced block marked ```c is the example.
awk '/^```c$/ {on=1; next} on && /^```$/ {exit} on {print}' "$readme" > "$work/example.c"
test -s "$work/example.c" || { echo "no \`\`\`c block in $readme"; exit 1; }
lines=$(wc -l < "$work/example.c")
echo "README example: $lines lines"
# shellcheck disable=SC2086
cc -std=c17 -Wall -Wextra -Werror $sanitize -I"$src_inc" -I"$build_inc" "$work/example.c" \
   "$lib" -Wl,-rpath,"$(dirname "$lib")" -o "$work/example"
"$work/example" | tee "$work/out.txt"
# The example prints the final whitening error; it must show whitening happened.
grep -Eq '^whitening error [0-9.e+-]+$' "$work/out.txt"
awk '/^whitening error/ { exit !($3 < 0.3) }' "$work/out.txt"
