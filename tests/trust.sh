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

# refused STATUS NEEDLE NAME -- COMMAND...: exit status, NEEDLE on stderr, and no
# file of the folder created, changed or removed.
refused() {
    local want=$1 needle=$2 name=$3
    shift 4
    local before
    before=$(snapshot)
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" != "$want" ] || ! grep -qF -- "$needle" err.txt; then
        fail "$name: exit $got (want $want); stderr: $(cat err.txt)"
    elif [ "$(snapshot)" != "$before" ]; then
        fail "$name: files changed: $(diff <(echo "$before") <(snapshot) | tr '\n' ' ')"
    else
        pass "$name"
    fi
}

awk 'BEGIN { srand(1); for (i = 0; i < 3000; i++)
    printf "%.9f,%.9f,%.9f\n", rand() - .5, 2 * (rand() - .5), rand() - .5 }' > d.csv
"$whiten" fit --data d.csv --state s.npz --quiet || fail "a first fit"

# --- outputs never destroy inputs (rows 51-53) -------------------------------
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

# --- one safe writer: permissions, symlinks, FIFOs (rows 54-56) ---------------
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

ls -A | grep -q '^\..*\.[A-Za-z0-9]\{6\}$' && fail "a temporary file was left: $(ls -A)" ||
    pass "no temporary file left behind"

echo "$failures failure(s)"
[ "$failures" = 0 ]
