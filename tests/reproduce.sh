#!/bin/sh
# `whiten reproduce` end to end: the files it writes are sound, its verdicts
# follow from its CSV numbers, and results do not depend on the thread count.
# usage: reproduce.sh WHITEN CHECK_OUTPUTS_PY
set -eu
whiten=$1 check=$2
py=/usr/bin/python3 # Debian's, as the other tests (python3 on PATH may be another one)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. Files: figures decode, CSVs parse, one section with verdicts per experiment.
status=0
"$whiten" reproduce --quick --threads 2 --out "$work/a" > "$work/a.log" 2>&1 ||
    status=$?
[ "$status" -eq 0 ] || { cat "$work/a.log"; fail "reproduce exited with $status"; }
"$py" "$check" "$work/a" E1 E2 E3 E4 E5 E6 E7
grep -q "claims hold" "$work/a/REPORT.md" || fail "no summary line in REPORT.md"
grep -q "^- ✘" "$work/a/REPORT.md" && fail "a claim failed: $(grep '^- ✘' "$work/a/REPORT.md")"

# 2. Verdicts follow from the CSV numbers: double every direct time in E2, redraw
#    the report from the CSVs alone, and the linearity verdict must turn. Steps 2
#    and 5 edit a copy (e), so that folder a stays as the two-thread run wrote it.
cp -r "$work/a" "$work/e"
"$py" - "$work/e/e2_times.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
for row in rows[1:]:
    row[1] = repr(2 * float(row[1]))
csv.writer(open(sys.argv[1], "w"), lineterminator="\n").writerows(rows)
PY
"$whiten" reproduce --only E2,E5,E6,E7 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ direct: T<sub>ε</sub> against α has slope 2" "$work/e/REPORT.md" ||
    fail "doubling the direct times did not turn the E2 verdict"
grep -q "^- ✔ interneurons: T<sub>ε</sub> against ln α" "$work/e/REPORT.md" ||
    fail "the interneuron verdict changed although its numbers did not"

# 2a. E4's new claims follow their numbers: the direct network's small-alpha times
#     set to T_eps/eta of its flow turn the slow-start verdict; the two networks'
#     noise floors swapped turn the price-of-speed verdict.
"$py" - "$work/e/e4_samples_to_eps.csv" "$work/e/e4_floors.csv" <<'PY'
import csv, sys
times, floors = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(times)))
for row in rows[1:]:
    if float(row[0]) < 0.04:
        row[1] = row[4]
csv.writer(open(times, "w"), lineterminator="\n").writerows(rows)
rows = list(csv.reader(open(floors)))
for row in rows[2:]:
    row[3], row[5] = row[5], row[3]
csv.writer(open(floors, "w"), lineterminator="\n").writerows(rows)
PY
"$whiten" reproduce --only E4 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ the direct network's slow start" "$work/e/REPORT.md" ||
    fail "direct times at T/eta for small alpha did not turn the slow-start verdict"
grep -q "^- ✘ the price of speed" "$work/e/REPORT.md" ||
    fail "swapped noise floors did not turn the price-of-speed verdict"
grep -q "^- ✔ both floors grow as √η" "$work/e/REPORT.md" ||
    fail "the sqrt(eta) verdict changed although swapping keeps both slopes"

# 2c. E1's relaxation rates and E5's online seeds follow their numbers: one direct
#     rate 1 % off turns the 2/sqrt(lambda) verdict; interneurons never settling
#     after the switches to B in one seed turns the online verdict for B only.
"$py" - "$work/e/e1_rates.csv" "$work/e/e5_online.csv" <<'PY'
import csv, sys
rates, online = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(rates)))
rows[2][2] = repr(1.01 * float(rows[2][2]))  # a direct mode (network 0)
csv.writer(open(rates, "w"), lineterminator="\n").writerows(rows)
rows = list(csv.reader(open(online)))
for row in rows[1:]:
    if row[0] == "1" and row[2] == "1":  # seed 1, context B
        row[4] = "1"  # interneuron error above any threshold
csv.writer(open(online, "w"), lineterminator="\n").writerows(rows)
PY
"$whiten" reproduce --only E1,E5 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ direct connections relax at rate 2/√λ_i" "$work/e/REPORT.md" ||
    fail "a direct rate 1 % off did not turn the relaxation verdict"
grep -q "^- ✔ interneurons relax at rate 4" "$work/e/REPORT.md" ||
    fail "the interneuron rate verdict changed although its numbers did not"
grep -q "^- ✘ online, every switch to B" "$work/e/REPORT.md" ||
    fail "interneurons never settling in B (seed 1) did not turn the E5 verdict"
grep -q "^- ✔ online, every switch to A" "$work/e/REPORT.md" ||
    fail "the switches back to A changed although their numbers did not"

# 2b. A run that failed is written as nan: the report is still written, and the
#     verdict counts it against whoever failed. Direct never re-adapting in E5
#     keeps "interneurons faster" true; interneurons never re-adapting turns it.
set_e5_column() { # column value
    "$py" - "$work/e/e5_switch.csv" "$1" "$2" <<'PY'
import csv, sys
path, col, value = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = list(csv.reader(open(path)))
for row in rows[1:]:
    if row[1] == "1":  # the rows of context B
        row[col] = value
csv.writer(open(path, "w"), lineterminator="\n").writerows(rows)
PY
}
set_e5_column 4 nan
"$whiten" reproduce --only E5 --report-only --out "$work/e" > /dev/null ||
    fail "a nan in a CSV stopped the report"
grep -q "^- ✔ population mode: interneurons re-adapt faster" "$work/e/REPORT.md" ||
    fail "direct never re-adapting should keep interneurons faster"
set_e5_column 5 nan
"$whiten" reproduce --only E5 --report-only --out "$work/e" > /dev/null
grep -q "^- ✘ population mode: interneurons re-adapt faster" "$work/e/REPORT.md" ||
    fail "interneurons never re-adapting should turn the E5 verdict"

# 3. The same numbers on one thread as on two, byte for byte: every CSV of every
#    experiment (folder a ran on two threads and is unedited).
"$whiten" reproduce --quick --threads 1 --out "$work/b" > /dev/null 2>&1 ||
    fail "reproduce --threads 1 failed"
csvs=0
for f in "$work"/a/*.csv; do
    cmp -s "$f" "$work/b/$(basename "$f")" || fail "$(basename "$f") differs between 1 and 2 threads"
    csvs=$((csvs + 1))
done
[ "$(ls "$work"/b/*.csv | wc -l)" = "$csvs" ] || fail "the two runs wrote different sets of CSVs"
[ "$csvs" -ge 7 ] || fail "only $csvs CSVs to compare between thread counts"
echo "reproduce: $csvs CSVs identical on 1 and 2 threads"

# 4. Usage errors name the option.
"$whiten" reproduce --only E99 --out "$work/d" 2> "$work/err" && fail "--only E99 accepted"
grep -q "unknown experiment 'E99'" "$work/err" || fail "unclear message: $(cat "$work/err")"
"$whiten" reproduce --quick --full --out "$work/d" 2> /dev/null && fail "--quick --full accepted"
"$whiten" reproduce --report-only --only E2 --out "$work/missing" 2> "$work/err" &&
    fail "--report-only without CSVs succeeded"
grep -q "e2_times.csv" "$work/err" || fail "missing CSV not named: $(cat "$work/err")"
# 5. A figure that cannot be written is an error with the file's name, not an exit
#    from inside PLplot (here the figure's name is taken by a folder).
rm -f "$work/e/e2_times.png"
mkdir "$work/e/e2_times.png"
"$whiten" reproduce --only E2 --report-only --out "$work/e" 2> "$work/err" &&
    fail "an unwritable figure was reported as success"
grep -q "e2_times.png: is a folder, not a file" "$work/err" || fail "unclear message: $(cat "$work/err")"
echo "reproduce: all checks passed"
