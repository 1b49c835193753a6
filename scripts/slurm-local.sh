#!/bin/sh
# A single-node Slurm cluster on this machine, from Debian's packages
# (slurmctld, slurmd, slurm-client, munge), for trying `whiten reproduce
# --shard` and `whiten sweep --shard` as job arrays (docs/cluster.md).
#
#   eval "$(scripts/slurm-local.sh start [DIR])"   # prints export SLURM_CONF=DIR/slurm.conf
#   sbatch --array=0-2 --wait --wrap 'whiten reproduce --quick --out R --shards 3'
#   scripts/slurm-local.sh stop [DIR]              # DIR defaults to SLURM_CONF's folder
#
# Everything lives in DIR (a fresh temporary folder when not given): a munge
# key, socket and log of the cluster's own, slurm.conf and cgroup.conf, the
# controller's state, the node's spool and the logs. munged, slurmctld and
# slurmd run in the foreground, each in its own session (setsid), and their
# PIDs are recorded in DIR/pids; `stop` cancels the jobs, then ends those
# PIDs (TERM, then KILL after a wait) and nothing else. Run as root (the
# daemons run as root; no service manager is needed or touched). The ports
# are SLURM_LOCAL_PORT and the next one (default: 6900 + this process's PID
# modulo 2000), so that two clusters on one machine do not meet.
set -eu

die() { echo "slurm-local: $*" >&2; exit 1; }

# Wait until command "$@" succeeds, at most $1 tenths of a second.
wait_until() {
    tries=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Whether process $1 runs (a zombie waiting for its parent to reap it does not).
alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
        [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}

dead() { ! alive "$1"; }

node_idle() { sinfo -h -o %T 2>/dev/null | grep -qx idle; }

start() {
    for p in munged slurmctld slurmd sbatch; do
        command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
        command -v "$p" >/dev/null 2>&1 ||
            die "$p not found: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge"
    done
    dir=${1:-$(mktemp -d /tmp/slurm-local.XXXXXX)}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -s "$dir/pids" ] || die "$dir/pids exists: a cluster runs there already (stop it first)"
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    # Jobs of other users must reach the socket through the folders (mode 711), and
    # munged refuses a socket under a folder that not everyone may traverse.
    chmod 711 "$dir" "$dir/munge"
    up=$(dirname "$dir")
    while [ "$up" != / ]; do
        case $(stat -c %A "$up") in
        *[xt]) up=$(dirname "$up") ;;
        *) die "munged needs every folder above $dir to be searchable by all: chmod o+x $up" ;;
        esac
    done
    node=$(hostname -s 2>/dev/null || echo localnode)
    port=${SLURM_LOCAL_PORT:-$((6900 + $$ % 2000))}
    cpus=$(nproc)

    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
    chmod 400 "$dir/munge/munge.key"
    cat > "$dir/slurm.conf" <<EOF
# A one-node cluster made by scripts/slurm-local.sh; everything in $dir.
ClusterName=whiten-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MaxArraySize=100001
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    # slurmd 22.05 starts a cgroup plugin whatever the proctrack; v1 starts on this host.
    echo "CgroupPlugin=cgroup/v1" > "$dir/cgroup.conf"
    : > "$dir/pids"

    setsid munged -F --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed" > "$dir/log/munged.out" 2>&1 &
    echo "munged $!" >> "$dir/pids"
    wait_until 50 test -S "$dir/munge/munge.socket" ||
        { stop "$dir"; die "munged did not start: $(cat "$dir/log/munged.out" "$dir/log/munged.log" 2>/dev/null)"; }

    export SLURM_CONF="$dir/slurm.conf"
    setsid slurmctld -D -f "$dir/slurm.conf" > "$dir/log/slurmctld.out" 2>&1 &
    echo "slurmctld $!" >> "$dir/pids"
    setsid slurmd -D -N "$node" -f "$dir/slurm.conf" > "$dir/log/slurmd.out" 2>&1 &
    echo "slurmd $!" >> "$dir/pids"
    if ! wait_until 300 node_idle; then
        tail -n 5 "$dir"/log/*.log "$dir"/log/*.out >&2
        stop "$dir"
        die "the node did not become idle within 30 s (logs above)"
    fi
    echo "slurm-local: cluster up in $dir ($cpus CPUs, port $port)" >&2
    echo "export SLURM_CONF=$dir/slurm.conf"
}

stop() {
    dir=${1:-}
    [ -n "$dir" ] || dir=$(dirname "${SLURM_CONF:?give the folder, or set SLURM_CONF}")
    [ -f "$dir/pids" ] || die "no $dir/pids: no cluster of this script there"
    export SLURM_CONF="$dir/slurm.conf"
    # The jobs first, while the daemons can still end them.
    if alive "$(awk '$1 == "slurmctld" { print $2 }' "$dir/pids")"; then
        scancel --full --partition=local 2>/dev/null || true
        wait_until 100 sh -c '[ -z "$(squeue -h 2>/dev/null)" ]' || true
    fi
    # Then the daemons, newest first, by the PIDs recorded.
    pids=$(awk '{ p[NR] = $2 } END { for (i = NR; i > 0; i--) print p[i] }' "$dir/pids")
    for pid in $pids; do ! alive "$pid" || kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $pids; do
        wait_until 50 dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
    done
    : > "$dir/pids"
    echo "slurm-local: cluster in $dir stopped" >&2
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) echo "usage: $0 start [DIR] | stop [DIR]" >&2; exit 2 ;;
esac
