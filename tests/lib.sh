# lib.sh: what the shell tests share. Source it as the first thing:
#   . "$(dirname "$0")/lib.sh"
# It moves into a fresh folder (removed on exit) and defines pass, fail (which
# counts into $failures), expect_error (below) and wait_for FILE (until FILE exists and is not empty,
# at most 30 s; false if it never does).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
wait_for() {
    for _ in $(seq 1 3000); do [ -s "$1" ] && return 0; sleep 0.01; done
    return 1
}
# kill_at_random PID FILE MAX: once FILE exists, wait a random moment of up to
# MAX seconds (printed, so that a failure can be replayed), SIGKILL PID and
# reap it. Sets $status to its exit status and $kill_delay to the moment.
kill_at_random() {
    wait_for "$2" || fail "no checkpoint $2 appeared"
    kill_delay=$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" -v max="$3" \
        'BEGIN { printf "%.2f", r / 65535 * max }')
    echo "SIGKILL $kill_delay s after the first checkpoint"
    sleep "$kill_delay"
    kill -KILL "$1" 2>/dev/null
    wait "$1"
    status=$?
}
# expect_error STATUS NEEDLE OUTFILE -- COMMAND...: the command must exit with
# STATUS, print NEEDLE on stderr, and leave neither OUTFILE nor a temporary file.
expect_error() {
    local want=$1 needle=$2 out=$3
    shift 4
    "$@" >stdout.txt 2>stderr.txt
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$* exited $got, want $want; stderr: $(cat stderr.txt)"
    elif ! grep -qF -- "$needle" stderr.txt; then
        fail "$*: stderr lacks '$needle': $(cat stderr.txt)"
    elif [ -e "$out" ] || ls -a | grep -q '^\..*\.[A-Za-z0-9]\{6\}$'; then
        fail "$*: left an output or temporary file behind"
    else
        pass "refused ($got): $(head -c 150 stderr.txt)"
    fi
}

# refused STATUS NEEDLE NAME -- COMMAND...: exit status, NEEDLE on stderr, and the
# caller's snapshot() (its work folder's files and their checksums) unchanged.
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
