#!/bin/sh
# E7 on real photographs (issue 17): the two photographs Debian's scikit-learn
# ships (china.jpg, flower.jpg; python3-sklearn, converted to PNG with PIL,
# python3-pil), whitened as 8x8 patches by both networks. Every verdict must
# hold, because its threshold comes from the noise floor measured in the same
# run, not from the synthetic 1/f image; and the verdicts must turn when that
# measured floor is perturbed in the CSV file they are computed from.
# usage: reproduce_photos.sh WHITEN
set -eu
whiten=$1
py=/usr/bin/python3
images=/usr/lib/python3/dist-packages/sklearn/datasets/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -f "$images/china.jpg" ] && [ -f "$images/flower.jpg" ] ||
    fail "$images/china.jpg or flower.jpg missing (Debian package python3-sklearn; scripts/setup.sh)"
"$py" - "$images" "$work" <<'PY'
import sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for name in ("china", "flower"):
    Image.open(f"{src}/{name}.jpg").save(f"{dst}/{name}.png")
PY

# 1. All eight E7 verdicts hold on the photographs.
"$whiten" reproduce --quick --only E7 --threads 2 --images "$work/china.png,$work/flower.png" \
    --out "$work/a" > "$work/a.log" 2>&1 || { cat "$work/a.log"; fail "reproduce on photographs"; }
grep -q "from the user's PNG images" "$work/a/REPORT.md" || fail "the report does not name the photographs"
grep -q "8 of 8 claims hold" "$work/a.log" || fail "$(grep '^- ✘' "$work/a/REPORT.md")"
[ "$(grep -c '^- ✔' "$work/a/REPORT.md")" -eq 8 ] || fail "expected 8 verdicts that hold"

# 2. The thresholds follow the measured floor: the direct network's floor run
#    scaled by 0.4 in e7_errors.csv (column direct_floor_run) puts its final
#    error above twice its floor; the interneurons' verdicts stay. Then the
#    interneurons' floor scaled by 0.1 puts their filters more than one floor
#    from ZCA.
scale_floor() { # column-name factor
    "$py" - "$work/e/e7_errors.csv" "$1" "$2" <<'PY'
import csv, sys
path, name, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = list(csv.reader(open(path)))
col = rows[0].index(name)
for row in rows[1:]:
    row[col] = repr(factor * float(row[col]))
csv.writer(open(path, "w"), lineterminator="\n").writerows(rows)
PY
}
cp -r "$work/a" "$work/e"
scale_floor direct_floor_run 0.4
"$whiten" reproduce --only E7 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ both networks whiten the patches down to their noise floors" "$work/e/REPORT.md" ||
    fail "a direct floor 0.4 times smaller did not turn the noise-floor verdict"
grep -q "^- ✔ interneurons: the learned filters are the ZCA filters" "$work/e/REPORT.md" ||
    fail "the interneuron filter verdict changed although its floor did not"
scale_floor interneuron_floor_run 0.1
"$whiten" reproduce --only E7 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ interneurons: the learned filters are the ZCA filters" "$work/e/REPORT.md" ||
    fail "an interneuron floor 0.1 times smaller did not turn its filter verdict"
echo "reproduce-photos: all checks passed"
