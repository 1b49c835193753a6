#!/bin/bash
# Issue 16, end to end: no output destroys an input, every file is written the
# same safe way (permissions kept, symlinks followed, FIFOs written in place),
# resumes cannot change the problem, streams keep what they learned, and
# options that cannot apply are refused. Each check names its row of
# docs/bad-inputs.md.
# usage: trust.sh WHITEN_EXECUTABLE
set -u
whiten=$1
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

# Every file of the work folder with its checksum (hidden temporaries too).
snapshot() { find . -maxdepth 1 -type f ! -name 'out.txt' ! -name 'err.txt' -print0 | sort -z |
    xargs -0 -r md5sum; }

awk 'BEGIN { srand(1); for (i = 0; i < 3000; i++)
    printf "%.9f,%.9f,%.9f\n", rand() - .5, 2 * (rand() - .5), rand() - .5 }' > d.csv
"$whiten" fit --data d.csv --state s.npz --quiet || fail "a first fit"

# --- outputs never destroy inputs (rows 54-57) -------------------------------
refused 2 "options --state d.csv and --data d.csv name the same file" "fit --state = --data" -- \
    "$whiten" fit --data d.csv --state d.csv --quiet
refused 2 "options --checkpoint ./d.csv and --data d.csv name the same file" \
    "fit --checkpoint = --data (another spelling)" -- \
    "$whiten" fit --data d.csv --state t.npz --checkpoint ./d.csv --quiet
ln -s d.csv link.npz
refused 2 "options --state link.npz and --data d.csv name the same file" \
    "fit --state a symlink to --data" -- "$whiten" fit --data d.csv --state link.npz --quiet
ln d.csv hard.csv
refused 2 "options --out hard.csv and --data d.csv name the same file" \
    "apply --out a hard link of --data" -- \
    "$whiten" apply --state s.npz --data d.csv --out hard.csv --quiet
refused 2 "options --save-state s.npz and --state s.npz name the same file" \
    "apply --save-state = --state" -- \
    "$whiten" apply --state s.npz --data d.csv --out y.csv --learn --save-state s.npz --quiet
refused 2 "options --out t.npz and --save-state ./t.npz name the same file" \
    "simulate: two outputs, one file not there yet" -- \
    "$whiten" simulate --n 3 --samples 100 --out t.npz --save-state ./t.npz --quiet
refused 2 "options --save-state s.npz and --state s.npz name the same file" \
    "stream --save-state = --state" -- \
    "$whiten" stream --state s.npz --save-state s.npz < /dev/null
refused 2 "option --state: 's.csv' must end in .npz" "a state file must be .npz" -- \
    "$whiten" fit --data d.csv --state s.csv --quiet
refused 2 "option --checkpoint: 'ck' must end in .npz" "a checkpoint must be .npz" -- \
    "$whiten" simulate --n 3 --samples 100 --checkpoint ck --quiet
refused 2 "cannot write nodir/s.npz: its folder nodir does not exist" \
    "an output's folder is checked before the work" -- \
    "$whiten" fit --data d.csv --state nodir/s.npz --quiet
mkdir folder.npz
refused 2 "folder.npz is a folder; name a file" "an output that is a folder" -- \
    "$whiten" fit --data d.csv --state folder.npz --quiet
rmdir folder.npz
# --checkpoint may replace the --resume it continues (the one pair allowed).
"$whiten" simulate --n 3 --samples 2000 --checkpoint ck.npz --checkpoint-every 500 --quiet \
    --save-state full.npz && "$whiten" simulate --n 3 --samples 2000 --resume ck.npz \
    --checkpoint ck.npz --quiet --save-state again.npz && cmp -s full.npz again.npz &&
    pass "--checkpoint may be the --resume file" || fail "--checkpoint = --resume refused"

# --- one safe writer: permissions, symlinks, FIFOs (rows 58-59) ---------------
cp s.npz private.npz && chmod 600 private.npz
"$whiten" fit --data d.csv --state private.npz --quiet --passes 2
[ "$(stat -c %a private.npz)" = 600 ] && pass "a replaced 0600 file stays 0600" ||
    fail "a replaced 0600 file became $(stat -c %a private.npz)"
umask 022
"$whiten" apply --state s.npz --data d.csv --out new.csv --quiet
[ "$(stat -c %a new.csv)" = 644 ] && pass "a new file is 0666 less the umask" ||
    fail "a new file is $(stat -c %a new.csv)"
mkdir real && cp s.npz real/target.npz && ln -s real/target.npz via.npz
"$whiten" fit --data d.csv --state via.npz --quiet --passes 3
if [ -L via.npz ] && ! cmp -s s.npz real/target.npz && [ -z "$(ls -A real | grep -v target.npz)" ]; then
    pass "a symlink as target is followed: the file it names replaced, the link kept"
else
    fail "symlink target: link $(stat -c %F via.npz), real/: $(ls -A real)"
fi
ln -s missing.npz dangling.npz
refused 1 "dangling.npz: a symbolic link to a file that cannot be reached" \
    "a symlink to nothing is refused" -- "$whiten" fit --data d.csv --state dangling.npz --quiet
rm dangling.npz
mkfifo pipe.csv
timeout 20 cat pipe.csv > from_fifo.csv &
reader=$!
"$whiten" apply --state s.npz --data d.csv --out pipe.csv --quiet
wait $reader
"$whiten" apply --state s.npz --data d.csv --out direct.csv --quiet
[ -p pipe.csv ] && cmp -s from_fifo.csv direct.csv && pass "a FIFO as --out is written in place" ||
    fail "FIFO as --out: $(stat -c %F pipe.csv), $(wc -c < from_fifo.csv) bytes"
rm -f pipe.csv
ln -s /dev/null null.csv
"$whiten" apply --state s.npz --data d.csv --out null.csv --quiet && [ -c /dev/null ] &&
    [ -L null.csv ] && pass "a device as --out (through a link) is written, not replaced" ||
    fail "/dev/null as --out"
# Figures go through the same writer: no fixed "<name>.tmp.png" a planted symlink could
# redirect, permissions kept, and a figure cut short (here by a file-size limit, as by a
# full disk) is refused with the previous file kept.
"$whiten" reproduce --quick --only E1 --out r > /dev/null 2>&1 || fail "reproduce E1"
echo "precious" > victim.txt
ln -s ../victim.txt r/e1_flows.tmp.png
ln -s ../victim.txt r/e1_flows.tmp.svg
chmod 600 r/e1_flows.png
cp r/e1_flows.svg old.svg
"$whiten" reproduce --report-only --only E1 --out r > /dev/null 2>&1 || fail "reproduce --report-only"
[ "$(cat victim.txt)" = precious ] && [ "$(stat -c %a r/e1_flows.png)" = 600 ] &&
    [ "$(tail -c 8 r/e1_flows.png | od -An -tx1 | tr -d " \n")" = 49454e44ae426082 ] &&
    pass "figures: no fixed temporary name, permissions kept, the PNG whole" ||
    fail "figures: victim '$(head -c 20 victim.txt)', mode $(stat -c %a r/e1_flows.png)"
rm r/e1_flows.tmp.png r/e1_flows.tmp.svg
(trap '' XFSZ; ulimit -f 200; "$whiten" reproduce --report-only --only E1 --out r) > /dev/null 2>err.txt
status=$?
[ "$status" = 1 ] && grep -qF "e1_flows.svg: " err.txt && cmp -s old.svg r/e1_flows.svg &&
    [ -z "$(ls -A r | grep '^\.')" ] &&
    pass "a figure cut short is refused; the previous one kept, no temporary left" ||
    fail "figure cut short: exit $status, $(cat err.txt), $(ls -A r)"
# --report-only draws verdicts from the CSV files: a negative gap (an edited file) once
# passed "gap <= 1e-8"; it is refused with its row and column (row 116).
cp r/e1_flows.csv good.csv
awk -F, 'BEGIN { OFS = "," } NR > 1 { $6 = -$6 } { print }' good.csv > r/e1_flows.csv
"$whiten" reproduce --report-only --only E1 --out r > /dev/null 2> err.txt
status=$?
[ "$status" = 1 ] && grep -qF "e1_flows.csv: row 1, column 6 (eigenvalue_rel_gap): -" err.txt &&
    grep -qF "is impossible: eigenvalue_rel_gap cannot be negative" err.txt &&
    pass "--report-only refuses a negative gap" || fail "negative gap: exit $status, $(cat err.txt)"
cp good.csv r/e1_flows.csv

# --- stream keeps what it learned (rows 60-64) ---------------------------------
# state_samples FILE: the samples a state file says its network learned.
state_samples() { unzip -p "$1" meta.json | sed -n 's/.*"samples":[^"]*"\([0-9]*\)".*/\1/p'; }
printf '1,2\n3,4\nx,y\n5,6\n' > bad_line.csv
refused_keeps() { # NAME NEEDLE STATUS SAMPLES -- COMMAND... (stdin from $input)
    local name=$1 needle=$2 want=$3 samples=$4
    shift 5
    rm -f kept.npz
    "$@" < "$input" > out.txt 2> err.txt
    local got=$?
    if [ "$got" = "$want" ] && grep -qF -- "$needle" err.txt && [ -s kept.npz ] &&
        [ "$(state_samples kept.npz)" = "$samples" ] &&
        grep -qF "the network after $samples samples saved to kept.npz" err.txt; then
        pass "$name"
    else
        fail "$name: exit $got, samples $(state_samples kept.npz 2>/dev/null); $(cat err.txt)"
    fi
}
input=bad_line.csv refused_keeps "stream: a bad line ends it, the network is saved" \
    "<stdin>: line 3, column 1: 'x' is not a number" 1 2 -- \
    "$whiten" stream --n 2 --save-state kept.npz
printf '1,2\n3,4\n1e300,1\n5,6\n' > diverge.csv
input=diverge.csv refused_keeps "stream: a diverging sample ends it, the network is saved" \
    "sample 3 (line 3): M lost positive definiteness" 1 2 -- \
    "$whiten" stream --n 2 --eta 0.5 --save-state kept.npz
printf 'a,b\n1,2\nnan,1\n3,4\n1e300,1\n5,6\n' > skip.csv
"$whiten" stream --n 2 --eta 0.5 --on-bad skip --save-state kept.npz < skip.csv > out.txt 2> err.txt
[ $? = 0 ] && [ "$(wc -l < out.txt)" = 3 ] && [ "$(state_samples kept.npz)" = 3 ] &&
    grep -qF "skipped 2 bad samples of 5 (--on-bad skip); the first: <stdin>: line 3, column 1: 'nan' is not finite" err.txt &&
    pass "stream --on-bad skip: bad samples skipped and counted, the rest learned" ||
    fail "stream --on-bad skip: $(cat err.txt); $(wc -l < out.txt) lines"
for sig in TERM:143 INT:130 HUP:129; do
    rm -f in.fifo kept.npz
    mkfifo in.fifo
    "$whiten" stream --n 2 --save-state kept.npz < in.fifo > out.txt 2> err.txt &
    pid=$!
    exec 3> in.fifo
    printf '1,2\n3,4\n' >&3
    for _ in $(seq 1 200); do [ "$(wc -l < out.txt)" = 2 ] && break; sleep 0.05; done
    kill -${sig%:*} $pid
    wait $pid
    status=$?
    exec 3>&-
    [ "$status" = "${sig#*:}" ] && [ "$(state_samples kept.npz)" = 2 ] &&
        grep -qF "stopped by signal" err.txt &&
        pass "stream: SIG${sig%:*} saves the network (exit $status)" ||
        fail "stream SIG${sig%:*}: exit $status, $(cat err.txt)"
done
rm -f in.fifo kept.npz
awk 'BEGIN { for (i = 0; i < 300000; i++) print "1,2" }' > many.csv
"$whiten" stream --n 2 --save-state kept.npz < many.csv 2> err.txt | head -1 > /dev/null
status=${PIPESTATUS[0]}
[ "$status" = 1 ] && grep -qF "cannot write sample" err.txt && grep -qF "Broken pipe" err.txt &&
    [ -s kept.npz ] && pass "stream: a closed downstream pipe is reported, the network saved" ||
    fail "stream into a closed pipe: exit $status, $(cat err.txt)"
"$whiten" stream --n 2 < . > out.txt 2> err.txt
[ $? = 1 ] && grep -qF "cannot read standard input after sample 0: Is a directory" err.txt &&
    pass "stream: a read error is not taken for the end of input" ||
    fail "stream read error: $(cat err.txt)"

# --- no silent empty output, options that cannot apply (rows 65-67) -----------
printf '1;2;3;4;5\n1;2;3;4;5\n' > semi.txt
"$whiten" stream --n 5 < semi.txt > out.txt 2> err.txt
[ $? = 1 ] && grep -qF "line 1, column 1: '1;2;3;4;5' is not a number" err.txt &&
    pass "stream: semicolon lines are an error, not silence" || fail "semicolons: $(cat err.txt)"
printf '# only a comment\na,b\n' > nothing.txt
"$whiten" stream --n 2 < nothing.txt > out.txt 2> err.txt
[ $? = 1 ] && grep -qF "2 lines but no sample" err.txt &&
    pass "stream: input with no sample is an error" || fail "no sample: $(cat err.txt)"
printf 'x;y;z\n1;2;3\n' > semi.csv
refused 1 "semi.csv: line 2, column 1: '1;2;3' is not a number" "fit: semicolon data refused" -- \
    "$whiten" fit --data semi.csv --state q.npz --quiet
refused 2 "--freeze needs --state" "stream --freeze without --state" -- \
    "$whiten" stream --n 2 --freeze
refused 2 "option --k: the direct network has no interneurons" "--k with the direct network" -- \
    "$whiten" fit --net direct --k 5 --data d.csv --state q.npz --quiet
for opt in "--n 3" "--net direct" "--k 4" "--init-scale 2" "--seed 5" "--solver exact" "--refresh 9"; do
    refused 2 "option ${opt%% *} cannot apply beside --state s.npz" "stream $opt beside --state" -- \
        "$whiten" stream --state s.npz $opt
done

# --- apply writes no NaN or infinity unless asked (row 68) ----------------------
"$whiten" fit --net direct --solver exact --data d.csv --state dir.npz --quiet
"$whiten" fit --net direct --solver exact --no-center --schedule constant --init-scale 1 \
    --data d.csv --state dirnc.npz --quiet
# tiny.npz, tinync.npz: those states with M scaled by 1e-300, whose outputs overflow.
$py - <<'PY'
import io, zipfile, numpy as np
for source, target in (("dir.npz", "tiny.npz"), ("dirnc.npz", "tinync.npz")):
    z = zipfile.ZipFile(source)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "M.npy":
                b = io.BytesIO(); np.save(b, np.load(io.BytesIO(data)) * 1e-300); data = b.getvalue()
            out.writestr(name, data)
PY
printf '1,2,3\n1e300,1,1\n' > b300.csv
# y = M^-1 (x - mean) overflows: to infinity (tinync.npz), or to NaN where the solve meets
# inf - inf (tiny.npz: which one depends on the signs in M). Both say where, and that the
# whitening overflowed (the input and the state are finite).
refused 1 "b300.csv: row 2, column 1: the output is infinite (the whitening overflowed" \
    "apply: an infinite output stops with its row and column" -- \
    "$whiten" apply --state tinync.npz --data b300.csv --out inf.csv --quiet
refused 1 "b300.csv: row 2, column 1: the output is NaN (the whitening overflowed" \
    "apply: a NaN output (centred state) stops with its row and column" -- \
    "$whiten" apply --state tiny.npz --data b300.csv --out inf.csv --quiet
refused 1 "b300.csv: row 2, column 1: the output is beyond the range of float32" \
    "apply: a float32 overflow stops with its row and column" -- \
    "$whiten" apply --state dir.npz --data b300.csv --out big.f32 --quiet
"$whiten" apply --state tinync.npz --data b300.csv --out inf.csv --quiet --allow-nonfinite &&
    grep -q inf inf.csv && pass "apply --allow-nonfinite writes infinite outputs" ||
    fail "--allow-nonfinite (infinite)"
"$whiten" apply --state tiny.npz --data b300.csv --out nan.csv --quiet --allow-nonfinite &&
    grep -qi nan nan.csv && pass "apply --allow-nonfinite writes NaN outputs" ||
    fail "--allow-nonfinite (NaN)"

# --- CSV headers by content (rows 69-71) ---------------------------------------
printf '0,1,2\n' > pandas.csv; cat d.csv >> pandas.csv
"$whiten" apply --state s.npz --data pandas.csv --out p_default.csv --quiet &&
    "$whiten" apply --state s.npz --data pandas.csv --out p_header.csv --quiet --header &&
    [ "$(wc -l < p_default.csv)" = 3001 ] && [ "$(wc -l < p_header.csv)" = 3000 ] &&
    pass "a header of numbers is data unless --header" || fail "--header"
printf 'a,1,b\n' > mixed.csv; cat d.csv >> mixed.csv
refused 1 "mixed.csv: line 1, column 1: 'a' is not a number" \
    "a first row that is neither names nor numbers is an error" -- \
    "$whiten" fit --data mixed.csv --state q.npz --quiet
"$whiten" fit --data mixed.csv --state q.npz --quiet --header && pass "... unless --header" ||
    fail "mixed header with --header"
printf 'a,b,c\n' > named.csv; cat d.csv >> named.csv
refused 1 "named.csv: line 1, column 1: 'a' is not a number" "--no-header: names are data" -- \
    "$whiten" fit --data named.csv --state q.npz --quiet --no-header
printf '\xef\xbb\xbfa,b\n1,2\n' | "$whiten" stream --n 2 > out.txt 2> err.txt &&
    [ "$(wc -l < out.txt)" = 1 ] && pass "stream strips a UTF-8 byte-order mark" ||
    fail "stream BOM: $(cat err.txt)"
rm -f q.npz

# --- a state file is consistent or refused (row 72) -------------------------------
# solver_state.npy of another fit (same shape), or the right one scaled, beside these
# synapses: refused; the state's own loads.
for net in interneuron direct; do
    "$whiten" fit --net $net --solver fast --data d.csv --state own_$net.npz --quiet
    "$whiten" fit --net $net --solver fast --data d.csv --state other_$net.npz --quiet --passes 3 \
        --eta 2e-3
    $py - $net <<'PY'
import io, sys, zipfile, numpy as np
net = sys.argv[1]
own, other = zipfile.ZipFile(f"own_{net}.npz"), zipfile.ZipFile(f"other_{net}.npz")
for name, source, scale in (("foreign", other, 1.0), ("scaled", own, 2.0)):
    with zipfile.ZipFile(f"{name}_{net}.npz", "w", zipfile.ZIP_STORED) as out:
        for member in own.namelist():
            data = own.read(member)
            if member == "solver_state.npy":
                state = np.load(io.BytesIO(source.read(member)))
                if scale != 1.0:
                    state = state.copy(); state[1:] *= scale  # keep a leading layout tag
                b = io.BytesIO(); np.save(b, state); data = b.getvalue()
            out.writestr(member, data)
PY
    for bad in foreign scaled; do
        refused 1 "${bad}_$net.npz: solver_state.npy does not belong" \
            "$net: a $bad solver_state.npy is refused" -- \
            "$whiten" apply --state ${bad}_$net.npz --data d.csv --out q.csv --quiet
    done
    "$whiten" apply --state own_$net.npz --data d.csv --out q.csv --quiet &&
        pass "$net: the state's own solver_state.npy loads" || fail "$net: own state refused"
    rm -f q.csv
done

# --- a resume cannot silently change the problem (row 73) ------------------------
awk 'BEGIN { srand(9); for (i = 0; i < 3000; i++)
    printf "%.9f,%.9f,%.9f\n", rand() - .5, 2 * (rand() - .5), rand() - .5 }' > d2.csv
"$whiten" fit --data d.csv --state f.npz --checkpoint fck.npz --checkpoint-every 1000 \
    --passes 3 --quiet || fail "fit with checkpoints"
refused 2 "fck.npz: a checkpoint of another problem: --eta is 0.002 here, 0.001 in the checkpoint" \
    "fit --resume with another --eta" -- \
    "$whiten" fit --data d.csv --state f2.npz --resume fck.npz --passes 3 --eta 2e-3 --quiet
refused 2 "fck.npz: a checkpoint of another problem: the data (rows x columns, hash) is 3000x3:" \
    "fit --resume with other data of the same shape" -- \
    "$whiten" fit --data d2.csv --state f2.npz --resume fck.npz --passes 3 --quiet
refused 2 "a checkpoint of another problem: --init-scale is 2 here, auto in the checkpoint" \
    "fit --resume with an option that cannot change" -- \
    "$whiten" fit --data d.csv --state f2.npz --resume fck.npz --passes 3 --init-scale 2 --quiet
"$whiten" fit --data d.csv --state f2.npz --resume fck.npz --passes 3 --quiet && cmp -s f.npz f2.npz &&
    pass "fit --resume with the same problem: the same state" || fail "fit --resume, same problem"
"$whiten" simulate --n 3 --samples 3000 --checkpoint sck.npz --checkpoint-every 1000 --quiet ||
    fail "simulate with checkpoints"
refused 2 "sck.npz: a checkpoint of another problem: --spectrum is 1:2 here, - in the checkpoint" \
    "simulate --resume with another --spectrum" -- \
    "$whiten" simulate --n 3 --samples 3000 --resume sck.npz --spectrum 1:2 --quiet
refused 2 "a checkpoint of another problem: --seed is 3 here, 1 in the checkpoint" \
    "simulate --resume with another --seed" -- \
    "$whiten" simulate --n 3 --samples 3000 --resume sck.npz --seed 3 --quiet

# --- extreme scales get the right diagnosis (row 110) -------------------------------
# Values near 1e150 (or 1e-150) made every C_ij^2 and C_ii C_jj overflow to inf (or
# underflow to 0), so every pair of channels was called proportional.
awk 'BEGIN { srand(3); for (i = 0; i < 500; i++) printf "%.9e,%.9e,%.9e\n",
    (rand() - .5) * 1e150, (rand() - .5) * 1e150, (rand() - .5) * 1e150 }' > big.csv
awk 'BEGIN { srand(3); for (i = 0; i < 500; i++) printf "%.9e,%.9e,%.9e\n",
    (rand() - .5) * 1e-150, (rand() - .5) * 1e-150, (rand() - .5) * 1e-150 }' > small.csv
awk 'BEGIN { srand(4); for (i = 0; i < 500; i++) printf "%.9f,%.9f,%.9e\n",
    rand() - .5, rand() - .5, (i == 7 ? 1e300 : rand() - .5) }' > one300.csv
for f in big small; do
    "$whiten" fit --data $f.csv --state $f.npz --quiet 2> err.txt
    grep -q "proportional\|equal\|singular" err.txt &&
        fail "$f.csv: a false diagnosis: $(cat err.txt)" || pass "$f.csv: no false diagnosis"
done
refused 1 "one300.csv: values reach 9.98e+299 in magnitude, so the data's second moments X^T X / T (up to about 1e+597) overflow double precision" \
    "one value of 1e300: C overflows, said so" -- "$whiten" fit --data one300.csv --state o.npz --quiet

# --- options that cannot apply are refused, not dropped (row 111) -------------------
refused 2 "option --dt applies to --net gain, not --net direct" "flow --dt without --net gain" -- \
    "$whiten" flow --n 3 --dt 0.1
refused 2 "option --init-scale applies to --net direct and interneuron, not --net gain" \
    "flow --net gain --init-scale" -- "$whiten" flow --net gain --n 3 --init-scale 2
refused 2 "give --K or --k, not both" "flow --K and --k" -- \
    "$whiten" flow --net gain --n 3 --K 6 --k 6
refused 2 "--t-end and --every shape the trajectory --out writes; give --out" \
    "flow --t-end without --out" -- "$whiten" flow --n 3 --t-end 5
refused 2 "option --no-center applies to --data only" "simulate --no-center without --data" -- \
    "$whiten" simulate --n 3 --samples 100 --no-center --quiet
refused 2 "option --rotate shapes synthetic data, not --data" "simulate --data --rotate" -- \
    "$whiten" simulate --data d.csv --samples 100 --rotate --quiet
refused 2 "option --switch-every needs --contexts 2 or more" "simulate --switch-every, one context" -- \
    "$whiten" simulate --n 3 --samples 100 --switch-every 10 --quiet
refused 2 "option --tau shapes the decaying rate; it needs --schedule decay" \
    "simulate --tau with the constant rate" -- "$whiten" simulate --n 3 --samples 100 --tau 9 --quiet
refused 2 "option --tau shapes the decaying rate; it needs --schedule decay" \
    "fit --schedule constant --tau" -- \
    "$whiten" fit --data d.csv --state g.npz --schedule constant --tau 9 --quiet
refused 2 "option --refresh is for the fast solver, not --solver exact" "fit --solver exact --refresh" -- \
    "$whiten" fit --data d.csv --state g.npz --solver exact --refresh 9 --quiet
refused 2 "option --checkpoint-every needs --checkpoint" "fit --checkpoint-every alone" -- \
    "$whiten" fit --data d.csv --state g.npz --checkpoint-every 9 --quiet
refused 2 "option --checkpoint-seconds needs --checkpoint" "simulate --checkpoint-seconds alone" -- \
    "$whiten" simulate --n 3 --samples 100 --checkpoint-seconds 9 --quiet
refused 2 "option --eta shapes learning; --freeze learns nothing" "stream --freeze --eta" -- \
    "$whiten" stream --state s.npz --freeze --eta 0.01
refused 2 "option --tau shapes the decaying rate; it needs --schedule decay" "stream --n 3 --tau" -- \
    "$whiten" stream --n 3 --tau 9
refused 2 "option --seed shapes a computation; --report-only computes nothing" \
    "reproduce --report-only --seed" -- "$whiten" reproduce --report-only --seed 3 --out none
refused 2 "option --checkpoint-every needs --checkpoint or --resume" \
    "reproduce --checkpoint-every alone" -- "$whiten" reproduce --checkpoint-every 3 --out none
refused 2 "option --repeat does not apply to --quick" "bench --quick --repeat" -- \
    "$whiten" bench --quick --repeat 5
refused 2 "option --plot: cannot write nodir/b.png: its folder nodir does not exist" \
    "bench --plot into a missing folder, before measuring" -- "$whiten" bench --quick --plot nodir/b

# --- simulate --data reads headers as fit does (row 112) ---------------------------
{ echo "0,1,2"; cat d.csv; } > h0.csv
{ echo "a,b,c"; cat d.csv; } > hn.csv
"$whiten" simulate --data d.csv --samples 300 --out sd.csv --quiet &&
    "$whiten" simulate --data h0.csv --samples 300 --out sh.csv --header --quiet &&
    "$whiten" simulate --data hn.csv --samples 300 --out sn.csv --quiet &&
    cmp -s sd.csv sh.csv && cmp -s sd.csv sn.csv &&
    pass "simulate --data: --header skips 0,1,2; names are a header by content" ||
    fail "simulate --data header handling"
"$whiten" simulate --data h0.csv --samples 300 --out s0.csv --quiet && ! cmp -s sd.csv s0.csv &&
    pass "simulate --data: 0,1,2 is data without --header" || fail "simulate --data: 0,1,2 not read as data"
refused 1 "hn.csv: line 1, column 1: 'a' is not a number" "simulate --data --no-header: names are data" -- \
    "$whiten" simulate --data hn.csv --samples 300 --no-header --quiet
refused 2 "option --header applies to --data only" "simulate --header without --data" -- \
    "$whiten" simulate --n 3 --samples 100 --header --quiet

ls -A | grep -q '^\..*\.[A-Za-z0-9]\{6\}$' && fail "a temporary file was left: $(ls -A)" ||
    pass "no temporary file left behind"

echo "$failures failure(s)"
[ "$failures" = 0 ]
