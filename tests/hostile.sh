#!/bin/bash
# Issue 16, second round: resumes, states, checkpoints and output folders tried as a hostile
# user would. Each check names its row of docs/bad-inputs.md, and each failed on the build
# before the fix that it covers.
# usage: hostile.sh WHITEN_EXECUTABLE DOCS_FOLDER
set -u
whiten=$1
docs=$2
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

# Every file under the work folder with its checksum (hidden temporaries and folders too).
snapshot() { find . -mindepth 1 ! -name 'out.txt' ! -name 'err.txt' -print0 | sort -z |
    xargs -0 -r md5sum 2>/dev/null; find . -mindepth 1 -type d | sort; }

awk 'BEGIN { srand(5); for (i = 0; i < 600; i++)
    printf "%.9f,%.9f,%.9f\n", rand() - .5, 2 * (rand() - .5), 3 * (rand() - .5) }' > d.csv

# --- row 117: the gain circuits' options are in the resume fingerprint -------------------
"$whiten" fit --net gain --data d.csv --state g.npz --passes 2 --checkpoint gck.npz \
    --checkpoint-every 600 --quiet || fail "a checkpointed gain fit"
for change in "alpha|2|1" "eta-g|0.002|0.001" "frame|random|default"; do
    IFS='|' read -r opt value was <<<"$change"
    refused 2 "gck.npz: a checkpoint of another problem: --$opt is $value here, $was in the checkpoint" \
        "fit --resume of a gain fit with another --$opt" -- \
        "$whiten" fit --net gain --data d.csv --state g2.npz --passes 2 --resume gck.npz \
        --"$opt" "$value" --quiet
done
"$whiten" fit --net gain-synapse --data d.csv --state gs.npz --passes 2 --checkpoint gsck.npz \
    --checkpoint-every 600 --quiet || fail "a checkpointed gain-synapse fit"
refused 2 "gsck.npz: a checkpoint of another problem: --eta-w is 0.002 here, 0.001 in the checkpoint" \
    "fit --resume of a gain-synapse fit with another --eta-w" -- \
    "$whiten" fit --net gain-synapse --data d.csv --state gs2.npz --passes 2 --resume gsck.npz \
    --eta-w 2e-3 --quiet
"$whiten" simulate --net gain --n 3 --samples 600 --checkpoint smck.npz --checkpoint-every 300 \
    --quiet || fail "a checkpointed gain simulate"
refused 2 "smck.npz: a checkpoint of another problem: --alpha is 3 here, 1 in the checkpoint" \
    "simulate --resume of a gain run with another --alpha" -- \
    "$whiten" simulate --net gain --n 3 --samples 600 --resume smck.npz --alpha 3 --quiet
# A frame file: another file of the same shape is another problem; a copy elsewhere is not.
$py -c "
import numpy as np
r = np.random.default_rng(2)
for name in ('f1', 'f2'):
    F = r.normal(size=(3, 6)); np.save(name + '.npy', F / np.linalg.norm(F, axis=0))"
mkdir moved && cp f1.npy moved/f1.npy
"$whiten" fit --net gain --data d.csv --state gf.npz --frame f1.npy --passes 2 \
    --checkpoint gfck.npz --checkpoint-every 600 --quiet || fail "a gain fit with a frame file"
refused 2 "gfck.npz: a checkpoint of another problem: --frame is a file of 272 bytes, hash" \
    "fit --resume with another frame file of the same shape" -- \
    "$whiten" fit --net gain --data d.csv --state gf2.npz --frame f2.npy --passes 2 \
    --resume gfck.npz --quiet
"$whiten" fit --net gain --data d.csv --state gf2.npz --frame moved/f1.npy --passes 2 \
    --resume gfck.npz --quiet && cmp -s gf.npz gf2.npz &&
    pass "fit --resume with the same frame moved: the same state" || fail "frame moved"
rm -f gf2.npz

# Every option of fit and simulate is in the fingerprint or listed as changing nothing
# (docs/state-format.md), so a new option cannot be forgotten silently.
"$whiten" simulate --net gain-synapse --data d.csv --samples 400 --every 100 \
    --checkpoint allck.npz --checkpoint-every 200 --quiet || fail "a checkpointed simulate --data"
$py - "$whiten" "$docs/state-format.md" <<'PY' && pass "every option of fit and simulate is in the fingerprint or documented as changing nothing" || fail "an option is neither fingerprinted nor documented"
import json, re, subprocess, sys, zipfile
whiten, doc = sys.argv[1], open(sys.argv[2]).read()
bad = 0
for command, ckpt in (("fit", "gsck.npz"), ("simulate", "allck.npz")):
    help_text = subprocess.run([whiten, command, "--help"], capture_output=True, text=True).stdout
    options = set(re.findall(r"^\s+--([a-zA-Z][\w-]*)", help_text, re.M))
    meta = json.loads(zipfile.ZipFile(ckpt).read("meta.json"))
    keys = {pair.split("=", 1)[0] for pair in meta["checkpoint"]["problem"].split(";")}
    item = re.search(r"^- Not in `%s`'s fingerprint:(.*?)(?=^- |^$)" % command, doc, re.M | re.S)
    listed = set(re.findall(r"`--([\w-]+)`", item.group(1)))
    for name in sorted(options - keys - listed):
        print(f"{command} --{name}: neither in the fingerprint nor listed as changing nothing")
        bad += 1
    for name in sorted((keys | listed) - options):
        print(f"{command}: '{name}' is fingerprinted or listed but is no option")
        bad += 1
    for name in sorted(keys & listed):
        print(f"{command} --{name}: fingerprinted and listed as changing nothing")
        bad += 1
sys.exit(bad != 0)
PY

# --- row 118: a resume of another command's file is refused, saying what it is ------------
"$whiten" fit --data d.csv --state fs.npz --quiet || fail "a fit"
"$whiten" fit --data d.csv --state fs2.npz --passes 2 --checkpoint fck.npz --checkpoint-every 600 \
    --quiet || fail "a checkpointed fit"
"$whiten" simulate --n 3 --samples 1000 --save-state ss.npz --quiet || fail "a simulate"
"$whiten" simulate --n 3 --samples 1000 --checkpoint sck.npz --checkpoint-every 500 --quiet ||
    fail "a checkpointed simulate"
refused 2 "fs.npz: a state that no simulate run wrote (a state of fit, apply or stream" \
    "simulate --resume of a fit's state" -- \
    "$whiten" simulate --n 3 --samples 1000 --resume fs.npz --out o.csv --quiet
refused 2 "fs.npz: a state that no simulate run wrote" "simulate --data --resume of a fit's state" -- \
    "$whiten" simulate --data d.csv --samples 1000 --resume fs.npz --save-state o.npz --quiet
refused 2 "fck.npz: a checkpoint of 'whiten fit', not of simulate: simulate --resume continues a simulate run" \
    "simulate --resume of a fit's checkpoint" -- \
    "$whiten" simulate --n 3 --samples 1000 --resume fck.npz --out o.csv --quiet
refused 2 "ss.npz: a finished run's state, not a checkpoint of fit" "fit --resume of a simulate state" -- \
    "$whiten" fit --data d.csv --state o.npz --resume ss.npz --quiet
refused 2 "sck.npz: a checkpoint of 'whiten simulate', not a checkpoint of fit" \
    "fit --resume of a simulate checkpoint" -- \
    "$whiten" fit --data d.csv --state o.npz --resume sck.npz --quiet

# --- row 119: continuing a finished simulate run cannot change its network or inputs ------
for opt in "eta 0.01" "net direct" "schedule decay" "init-scale 2"; do
    refused 2 "option --${opt% *} cannot apply beside --resume ss.npz, a finished run's state" \
        "simulate --resume of a saved run with --${opt% *}" -- \
        "$whiten" simulate --n 3 --samples 500 --resume ss.npz --${opt% *} ${opt#* } --quiet \
        --save-state o.npz
done
refused 2 "ss.npz: a state of another problem: --spectrum is 1:3 here, - in the state" \
    "simulate --resume of a saved run with another --spectrum" -- \
    "$whiten" simulate --n 3 --samples 500 --resume ss.npz --spectrum 1:3 --quiet --save-state o.npz
refused 2 "ss.npz: a state of another problem: --seed is 4 here, 1 in the state" \
    "simulate --resume of a saved run with another --seed" -- \
    "$whiten" simulate --n 3 --samples 500 --resume ss.npz --seed 4 --quiet --save-state o.npz
"$whiten" simulate --n 3 --contexts 2 --samples 1000 --save-state sc.npz --quiet ||
    fail "a simulate of two contexts"
refused 2 "sc.npz: a state of another problem: --switch-every is 250 here, 500 in the state" \
    "simulate --resume of two contexts whose switch period would change with --samples" -- \
    "$whiten" simulate --n 3 --contexts 2 --samples 500 --resume sc.npz --quiet --save-state o.npz
"$whiten" simulate --n 3 --contexts 2 --switch-every 500 --samples 500 --resume sc.npz --quiet \
    --save-state o.npz && pass "the same switch period given: the run continues" ||
    fail "a continuation with the same inputs was refused"
rm -f o.npz

# --- rows 120-121: a refused sweep or reproduce leaves no folder behind --------------------
cat >grid.json <<'JSON'
{"circuits": ["direct"], "n": [3], "eta": [1e-3], "init_scale": [1], "seeds": 1, "samples": 2000}
JSON
echo junk >junk.zip
refused 1 "junk.zip: not a usable checkpoint" "sweep --resume of a damaged checkpoint: no --out left" -- \
    "$whiten" sweep grid.json --out swept1 --resume junk.zip
refused 2 "option --checkpoint: cannot write nodir/c.zip: its folder nodir does not exist" \
    "sweep --checkpoint into a missing folder: no --out left" -- \
    "$whiten" sweep grid.json --out swept2 --checkpoint nodir/c.zip
refused 2 "options --checkpoint grid.json and FILE grid.json name the same file" \
    "sweep --checkpoint = its sweep file: no --out left" -- \
    "$whiten" sweep grid.json --out swept3 --checkpoint grid.json
mkdir mine && echo keep >mine/notes.txt && mkdir emptyone
refused 1 "junk.zip: not a usable checkpoint" "a refused sweep keeps a folder with the user's files" -- \
    "$whiten" sweep grid.json --out mine --resume junk.zip
refused 1 "junk.zip: not a usable checkpoint" "a refused sweep keeps an empty folder that was there" -- \
    "$whiten" sweep grid.json --out emptyone --resume junk.zip
touch plain
refused 2 "option --out: plain is a file, not a folder" "sweep --out that is a file" -- \
    "$whiten" sweep grid.json --out plain
refused 2 "option --out: plain is a file, not a folder" \
    "reproduce --out that is a file: refused before computing" -- \
    "$whiten" reproduce --quick --only E2 --out plain
refused 2 "option --checkpoint: cannot write nodir/c.zip: its folder nodir does not exist" \
    "reproduce --checkpoint into a missing folder: refused before computing" -- \
    "$whiten" reproduce --quick --only E2 --out rep --checkpoint nodir/c.zip
refused 2 "option --checkpoint: cannot write plain/c.npz: plain is a file, not a folder" \
    "an output whose folder is a file says so" -- \
    "$whiten" fit --data d.csv --state o.npz --checkpoint plain/c.npz --quiet
if [ "$(id -u)" != 0 ]; then
    mkdir ro && chmod 555 ro
    refused 1 "option --out: cannot write into folder ro: Permission denied" \
        "sweep --out into a read-only folder: refused before the runs" -- \
        "$whiten" sweep grid.json --out ro
    chmod 755 ro
else
    echo "skipped: the read-only folder checks (root may write anywhere)"
fi

# --- row 122: a number longer than 64 characters is read, or refused as too long ----------
zeros=$(printf '0%.0s' $(seq 1 70))
awk -v z="$zeros" -F, 'NR == 7 { $2 = sprintf("%.9f", $2) z } { print }' OFS=, d.csv >long.csv
"$whiten" fit --data d.csv --state short.npz --quiet && "$whiten" fit --data long.csv \
    --state long.npz --quiet && cmp -s short.npz long.npz &&
    pass "a CSV field of 81 characters is read as the same number" ||
    fail "a long CSV field was not read as its number"
"$whiten" simulate --eigenvalues 0.5,2,3 --samples 500 --every 100 --out e1.csv --quiet &&
    "$whiten" simulate --eigenvalues "0.5,2,3.$zeros" --samples 500 --every 100 --out e2.csv \
    --quiet && cmp -s e1.csv e2.csv && pass "an --eigenvalues item of 72 characters is read" ||
    fail "a long --eigenvalues item was not read"
huge=0.$(printf '0%.0s' $(seq 1 1200))1
printf '1 2 %s\n' "$huge" >huge.txt
refused 1 "line 1, column 5: '0.00000000000000000000000000000000000000' ... is too long for a number (1203 characters; at most 1099)" \
    "a CSV field of 1203 characters is refused as too long" -- \
    "$whiten" fit --data huge.txt --state o.npz --quiet
refused 2 "option --spectrum: '0.00000000000000000000000000000000000000...' is too long for a number (1203 characters; at most 1099)" \
    "a --spectrum bound of 1203 characters is refused as too long" -- \
    "$whiten" simulate --spectrum "$huge:2" --samples 100 --quiet

# --- row 123: --report-only refuses a CSV with too few rows ---------------------------------
"$whiten" reproduce --only E2,E8 --out rq >/dev/null 2>&1 || fail "reproduce --only E2,E8"
head -n 6 rq/e2_times.csv >rq/cut && mv rq/cut rq/e2_times.csv
refused 1 "rq/e2_times.csv: 5 rows, but a --quick run writes 21 (a --full run as many or more): the file is cut short or from another run" \
    "--report-only over a CSV cut to 5 rows" -- "$whiten" reproduce --only E2 --report-only --out rq
head -n 2 rq/e8_frames.csv >rq/cut && mv rq/cut rq/e8_frames.csv
refused 1 "rq/e8_frames.csv: 1 rows, but a --quick run writes 11" \
    "--report-only over E8's frames cut to 1 row" -- "$whiten" reproduce --only E8 --report-only --out rq

# --- row 124: gain options beside stream --state were ignored ------------------------------
"$whiten" fit --net gain-synapse --data d.csv --state gss.npz --quiet || fail "a gain-synapse fit"
for opt in "alpha 5" "eta-g 0.01" "eta-w 0.01" "frame random" "K 3"; do
    refused 2 "option --${opt% *} cannot apply beside --state gss.npz (the network comes from it)" \
        "stream --state of a gain-synapse circuit with --${opt% *}" -- \
        "$whiten" stream --state gss.npz --${opt% *} ${opt#* } <d.csv
done

# --- row 125: a checkpoint of reproduce given to sweep, and the reverse -------------------
"$whiten" sweep grid.json --out swk --checkpoint swk.zip >/dev/null 2>&1 || fail "a checkpointed sweep"
"$whiten" reproduce --only E2 --out rpk --checkpoint rpk/ck.zip >/dev/null 2>&1 ||
    fail "reproduce with its checkpoint inside --out"
refused 2 "rpk/ck.zip: a checkpoint of 'whiten reproduce', not of sweep" \
    "sweep --resume of a reproduce checkpoint" -- "$whiten" sweep grid.json --out sw9 --resume rpk/ck.zip
refused 2 "swk.zip: a checkpoint of 'whiten sweep', not of reproduce" \
    "reproduce --resume of a sweep checkpoint" -- "$whiten" reproduce --only E2 --out rp9 --resume swk.zip
refused 2 "option --out: the folder name is empty" "sweep --out ''" -- "$whiten" sweep grid.json --out ''
refused 2 "option --out: the folder name is empty" "reproduce --out ''" -- \
    "$whiten" reproduce --only E2 --out ''

# --- row 127: a checkpoint never replaces a file that is not a checkpoint -----------------
"$whiten" fit --data d.csv --state model.npz --quiet || fail "a fit to keep"
refused 2 "option --checkpoint: model.npz holds a file that is not a fit or simulate checkpoint" \
    "fit --checkpoint naming a learned state" -- \
    "$whiten" fit --data d.csv --state o.npz --checkpoint model.npz --quiet
refused 2 "option --checkpoint: model.npz holds a file that is not a fit or simulate checkpoint" \
    "simulate --checkpoint naming a learned state" -- \
    "$whiten" simulate --n 3 --samples 500 --checkpoint model.npz --quiet
refused 2 "option --checkpoint: model.npz holds a file that is not a sweep checkpoint" \
    "sweep --checkpoint naming a learned state: refused, no --out left" -- \
    "$whiten" sweep grid.json --out swm --checkpoint model.npz
cp grid.json notes.txt
refused 2 "option --checkpoint: notes.txt holds a file that is not a reproduce checkpoint" \
    "reproduce --checkpoint naming a text file: refused, no --out left" -- \
    "$whiten" reproduce --only E2 --out rpm --checkpoint notes.txt
"$whiten" fit --data d.csv --state o.npz --passes 2 --checkpoint gone.npz --checkpoint-every 600 \
    --quiet && "$whiten" fit --data d.csv --state o.npz --passes 2 --checkpoint gone.npz \
    --checkpoint-every 600 --quiet && pass "a fit may start again over its own old checkpoint" ||
    fail "a checkpoint was not allowed to replace an old checkpoint"
rm -f o.npz

# --- row 128: --out a file for a shard, a merge ------------------------------------------
refused 2 "option --out: plain is a file, not a folder" "sweep --shard with --out a file" -- \
    "$whiten" sweep grid.json --shard 0/2 --out plain
refused 2 "option --out: plain is a file, not a folder" "sweep --merge with --out a file" -- \
    "$whiten" sweep --merge --out plain
refused 2 "option --out: plain is a file, not a folder" "reproduce --merge with --out a file" -- \
    "$whiten" reproduce --merge --out plain

echo "$failures failures"
[ "$failures" -eq 0 ]
