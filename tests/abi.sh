#!/bin/bash
# The shared library's ABI (docs/abi.md): it exports exactly the WH_API functions of the
# installed headers, each with the symbol version WHITEN_0, no internal wh__ symbol and
# nothing else, under the soname libwhiten.so.<major>.
# Usage: abi.sh LIBWHITEN_SO INCLUDE_DIR MAJOR
set -u
lib=$1 include=$2 major=$3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

exported=$(objdump -T "$lib" | awk '$NF ~ /^wh/ || $NF ~ /^WHITEN/ { print $(NF-1), $NF }')
[ -n "$exported" ] || fail "no symbols exported"
# Every exported symbol: a public name, in the version node src/libwhiten.map names it
# in exactly (a function added after the first release), else WHITEN_0.
map=$(dirname "$0")/../src/libwhiten.map
node_of() {
    awk -v name="$1" '/^WHITEN_[0-9.]* *\{/ { node = $1 } $1 == name ";" { print node; exit }' "$map"
}
while read -r version name; do
    case "$name" in WHITEN_*) continue ;; esac
    [[ "$name" =~ ^wh_[a-z] ]] || fail "$name is exported but is not a public wh_ name"
    want=$(node_of "$name")
    want=${want:-WHITEN_0}
    [ "$version" = "$want" ] || fail "$name has version '$version', not $want"
done <<< "$exported"
others=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | grep -v '^wh_[a-z]' | grep -v '^WHITEN_')
[ -z "$others" ] || fail "exported beyond wh_: $(echo $others | head -c 300)"

# The headers' WH_API functions and the exports are the same set.
declared=$(cat "$include"/whiten/*.h "$include"/whiten/*.h.in | tr '\n' ' ' | grep -o 'WH_API[^;{]*(' |
           grep -o 'wh_[a-z0-9_]*($' | tr -d '(' | sort -u)
names=$(awk '$2 !~ /^WHITEN/ { print $2 }' <<< "$exported" | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$names"))
extra=$(comm -13 <(echo "$declared") <(echo "$names"))
[ -z "$missing" ] || fail "declared WH_API but not exported: $(echo $missing)"
[ -z "$extra" ] || fail "exported but declared in no header: $(echo $extra)"

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libwhiten.so.$major" ] || fail "soname '$soname', want libwhiten.so.$major"
echo "$(wc -l <<< "$names") exported functions, soname $soname; $failures failures"
[ "$failures" -eq 0 ]
