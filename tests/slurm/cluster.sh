# shellcheck shell=bash
# tests/slurm/cluster.sh: start and stop a throw-away Slurm cluster for tests.
#
# Source this file from a bash test script:
#
#   . "$(dirname "$0")/cluster.sh"
#   cl_require                 # exit 77 unless root with slurmctld/slurmd/munged
#   cl_start_single            # or: cl_start_two
#   id=$(cl_run sbatch --parsable --wrap hostname)
#   cl_wait_job "$id" 60       # prints the final state
#   # cl_stop runs from the EXIT trap installed by cl_start_*.
#
# Everything lives under one temporary folder ($CL_DIR): slurm.conf, state, spool,
# PID files, logs, a private munged socket. Daemons are started from the Debian
# packages (slurmctld, slurmd, munge); no systemd is needed. They are stopped by
# PID in cl_stop, which the EXIT trap calls even when the test fails.
#
# Single node: the node is this machine (hostname -s, NodeAddr=127.0.0.1).
# Two nodes: two network namespaces joined by a veth pair (10.250.X.1/.2, a /24
# that exists only inside them; the host gets a blackhole route for 10.250.0.0/16
# so nothing can leave by mistake). Each node runs in its own UTS + mount
# namespace (own hostname, private /etc/hosts) and has its own slurmd; node 1 also
# runs slurmctld. Client commands (sbatch, squeue, ...) must run inside a node's
# namespaces: use cl_run (or cl_run_on 2 ...).
#
# Knobs (env): CL_KEEP=1 keeps $CL_DIR after stopping (logs for debugging);
# CL_CPUS=N CPUs declared per node (default: this machine's CPUs, at least 2);
# CL_CRED_EXPIRE=S credential lifetime, which is also how long Slurm holds a requeued
# job before it may start again (Slurm's default: 120 s; slurm.conf(5), cred_expire);
# CL_EXTRA_CONF="Key=Value..." lines appended to slurm.conf (e.g. SlurmdTimeout=5);
# CL_NODE_OPTS="Key=Value ..." appended to every node's line (e.g. an SMT node:
# "Sockets=2 CoresPerSocket=2 ThreadsPerCore=2" with CL_CPUS=8);
# CL_TASK_PLUGIN=task/affinity to bind job steps (default task/none: no binding);
# CL_MEM=MiB memory declared per node (default: this machine's, so --mem is checked).

CL_DIR=""
CL_MODE=""
CL_NS=()          # network namespace names we created
CL_NODES=()       # node names
CL_NODE_PIDS=()   # a PID inside each node's namespaces (its slurmd)
CL_ROUTE_ADDED=0
CL_SUBNET=""
CL_VETH=()        # veth names (index 0 in node 1, index 1 in node 2)
CL_STOPPED=0
CL_SLURM_USER=root
CL_WATCHDOG=""

cl_log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cl_die() { cl_log "ERROR: $*"; exit 1; }

# Exit 77 (CTest SKIP_RETURN_CODE) when this machine cannot run the cluster.
cl_require() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the Slurm tests need root (they start slurmctld/slurmd/munged)" >&2
        exit 77
    fi
    local b
    for b in slurmctld slurmd munged sbatch srun squeue scontrol; do
        if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then
            echo "SKIP: $b is not installed (Debian: apt-get install slurmctld slurmd slurm-client munge)" >&2
            exit 77
        fi
    done
    if [ ! -r /etc/munge/munge.key ]; then
        echo "SKIP: /etc/munge/munge.key is missing (the munge package creates it)" >&2
        exit 77
    fi
    if ! id munge >/dev/null 2>&1; then
        echo "SKIP: no munge user" >&2
        exit 77
    fi
}

# Two-node mode also needs ip/nsenter/unshare and the right to create namespaces.
cl_require_netns() {
    local b
    for b in ip nsenter unshare; do
        command -v "$b" >/dev/null 2>&1 || { echo "SKIP: $b is not installed" >&2; exit 77; }
    done
    local probe="sbprobe$$"
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "SKIP: cannot create network namespaces here" >&2
        exit 77
    fi
    ip netns del "$probe"
}

_cl_bin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# Poll CMD until it succeeds, every 0.2 s, for at most SECONDS seconds.
cl_wait_until() {
    local seconds=$1; shift
    local deadline=$(( $(date +%s%N) + seconds * 1000000000 ))
    while :; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        [ "$(date +%s%N)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

_cl_pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Stop one process by PID: TERM, wait up to SECS, then KILL.
_cl_stop_pid() {
    local pid=$1 secs=${2:-10} what=${3:-process}
    _cl_pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! cl_wait_until "$secs" bash -c "! kill -0 $pid 2>/dev/null"; then
        cl_log "$what ($pid) still alive after ${secs}s: KILL"
        kill -KILL "$pid" 2>/dev/null || true
        cl_wait_until 5 bash -c "! kill -0 $pid 2>/dev/null" || true
    fi
}

_cl_pidfile() { [ -s "$1" ] && tr -dc '0-9' <"$1"; }

# Start time of a process (field 22 of /proc/PID/stat), to tell it from a reused PID.
_cl_starttime() { { sed 's/.*) //' "/proc/$1/stat" | awk '{print $20}'; } 2>/dev/null; }

# Clusters of earlier test runs whose test shell is gone (killed with SIGKILL, e.g. by
# a harness timeout, so their EXIT trap never ran): stop their processes (found by
# their marker), namespaces and folder. Clusters of live test shells are left alone.
_cl_reap_stale() {
    local d owner start pid ns
    for d in /tmp/sumbench-slurm.*; do
        [ -d "$d" ] && [ -f "$d/owner.pid" ] || continue
        read -r owner start <"$d/owner.pid" || true
        if [ -n "$owner" ] && [ "$(_cl_starttime "$owner")" = "$start" ]; then
            continue  # its test is still running
        fi
        cl_log "reaping the stale test cluster $d (owner $owner is gone)"
        local old=$CL_DIR
        CL_DIR=$d
        for pid in $(_cl_marked_pids); do kill -KILL "$pid" 2>/dev/null || true; done
        CL_DIR=$old
        if [ -f "$d/netns" ]; then
            while read -r ns; do
                [ -n "$ns" ] || continue
                for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
                ip netns del "$ns" 2>/dev/null || true
            done <"$d/netns"
        fi
        if [ -f "$d/route_added" ]; then ip route del blackhole 10.250.0.0/16 2>/dev/null || true; fi
        rm -rf "$d"
    done
}

# Fail the test (TERM to this shell, so the EXIT trap stops the cluster) after SECS
# seconds: a bound below the harness's own timeout, which would kill without cleanup.
cl_watchdog() {
    local secs=$1
    # TERM to the test shell, then to its other children, so that a hung foreground
    # command (srun, sbatch, ...) does not hold back the shell's trap.
    bash -c 'sleep "$1" & s=$!; trap "kill $s 2>/dev/null; exit 0" TERM; wait $s || exit 0
             echo "[cluster] watchdog: the test ran over $1 s, stopping it" >&2
             kill -TERM "$2" 2>/dev/null
             for c in $(pgrep -P "$2"); do [ "$c" = "$$" ] || kill -TERM "$c" 2>/dev/null; done
             exit 0' _ "$secs" "$$" &
    CL_WATCHDOG=$!
}

_cl_init() {
    [ -z "$CL_DIR" ] || cl_die "a cluster was already started in this shell ($CL_DIR)"
    _cl_reap_stale
    CL_DIR=$(mktemp -d /tmp/sumbench-slurm.XXXXXX) || cl_die "mktemp failed"
    echo "$$ $(_cl_starttime $$)" >"$CL_DIR/owner.pid"
    chmod 755 "$CL_DIR"   # munged (user munge) must reach its socket folder
    mkdir -p "$CL_DIR/state" "$CL_DIR/munge" "$CL_DIR/work"
    chown munge: "$CL_DIR/munge"
    chmod 755 "$CL_DIR/munge"
    : >"$CL_DIR/plugstack.conf"
    # Ports: a pair derived from our PID, away from Slurm's 6817/6818.
    CL_PORT=$(( 20000 + ($$ % 5000) * 2 ))
    local tries=0
    while [ "$tries" -lt 50 ] && command -v ss >/dev/null 2>&1 \
          && [ -n "$(ss -Hltn "( sport = :$CL_PORT or sport = :$((CL_PORT + 1)) )" 2>/dev/null)" ]; do
        CL_PORT=$(( CL_PORT + 2 > 29998 ? 20000 : CL_PORT + 2 ))
        tries=$((tries + 1))
    done
    # Every process we start carries this marker, so cl_stop can find leftovers
    # (job steps, MPI ranks) by PID without matching on names.
    export SUMBENCH_TEST_CLUSTER="$CL_DIR"
    export SLURM_CONF="$CL_DIR/slurm.conf"
    # Nothing from an outer allocation may leak into ours.
    local v
    for v in $(env | sed -n 's/^\(SLURM_[A-Z_]*\)=.*/\1/p; s/^\(SBATCH_[A-Z_]*\)=.*/\1/p; s/^\(SRUN_[A-Z_]*\)=.*/\1/p; s/^\(SALLOC_[A-Z_]*\)=.*/\1/p'); do
        [ "$v" = SLURM_CONF ] || unset "$v"
    done
    export SLURM_CONF="$CL_DIR/slurm.conf"
    trap 'cl_stop' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cl_log "cluster folder $CL_DIR (ports $CL_PORT/$((CL_PORT + 1)))"
}

_cl_start_munged() {
    local m="$CL_DIR/munge"
    runuser -u munge -- "$(_cl_bin munged)" \
        --socket="$m/munge.socket" --pid-file="$m/munged.pid" \
        --log-file="$m/munged.log" --seed-file="$m/munged.seed" \
        || { cat "$m/munged.log" >&2 2>/dev/null; cl_die "munged did not start"; }
    cl_wait_until 10 test -S "$m/munge.socket" || cl_die "munged socket did not appear"
    if command -v munge >/dev/null 2>&1; then
        munge -S "$m/munge.socket" -n | unmunge -S "$m/munge.socket" >/dev/null \
            || cl_die "munge round trip failed"
    fi
}

# _cl_write_conf CTLHOST CTLADDR "NodeName=... lines"
_cl_write_conf() {
    local ctl_host=$1 ctl_addr=$2 node_lines=$3 node_names=$4
    cat >"$CL_DIR/slurm.conf" <<EOF
# Generated by tests/slurm/cluster.sh for a throw-away test cluster.
ClusterName=sumbenchtest
SlurmctldHost=${ctl_host}(${ctl_addr})
SlurmctldPort=${CL_PORT}
SlurmdPort=$((CL_PORT + 1))
SlurmUser=${CL_SLURM_USER}
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=${CL_DIR}/munge/munge.socket${CL_CRED_EXPIRE:+,cred_expire=$CL_CRED_EXPIRE}
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=${CL_TASK_PLUGIN:-task/none}
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
PlugStackConfig=${CL_DIR}/plugstack.conf
StateSaveLocation=${CL_DIR}/state
SlurmdSpoolDir=${CL_DIR}/spool-%n
SlurmctldPidFile=${CL_DIR}/slurmctld.pid
SlurmdPidFile=${CL_DIR}/slurmd-%n.pid
SlurmctldLogFile=${CL_DIR}/slurmctld.log
SlurmdLogFile=${CL_DIR}/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=${CL_DIR}/tmp-%n
# Keep finished jobs visible to scontrol (no accounting here) for the whole test.
MinJobAge=3600
KillWait=5
InactiveLimit=0
SchedulerParameters=sched_interval=2,bf_interval=1,defer_batch=0
${node_lines}
PartitionName=debug Nodes=${node_names} Default=YES MaxTime=INFINITE State=UP
${CL_EXTRA_CONF:-}
EOF
}

_cl_mem() {
    echo "${CL_MEM:-$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)}"
}

_cl_cpus() {
    local n=${CL_CPUS:-$(nproc)}
    [ "$n" -ge 2 ] || n=2
    echo "$n"
}

# Wait until every node is idle (at most SECS seconds).
_cl_all_idle() {
    local out
    out=$(cl_query sinfo -h -N -o '%N %t') || return 1
    [ -n "$out" ] || return 1
    ! echo "$out" | grep -qv ' idle$'
}
cl_wait_idle() {
    local secs=${1:-30}
    if ! cl_wait_until "$secs" _cl_all_idle; then
        cl_query sinfo -N -l >&2 || true
        cl_die "nodes not idle after ${secs}s"
    fi
}

cl_start_single() {
    _cl_init
    CL_MODE=single
    local host cpus
    host=$(hostname -s)
    cpus=$(_cl_cpus)
    CL_NODES=("$host")
    mkdir -p "$CL_DIR/tmp-$host" "$CL_DIR/spool-$host"
    _cl_start_munged
    _cl_write_conf "$host" 127.0.0.1 \
        "NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=$(_cl_mem) ${CL_NODE_OPTS:-} State=UNKNOWN" "$host"
    "$(_cl_bin slurmctld)" -c || cl_die "slurmctld did not start (see $CL_DIR/slurmctld.log)"
    cl_wait_until 15 test -s "$CL_DIR/slurmctld.pid" || cl_die "no slurmctld PID file"
    "$(_cl_bin slurmd)" -N "$host" || cl_die "slurmd did not start (see $CL_DIR/slurmd-$host.log)"
    cl_wait_until 15 test -s "$CL_DIR/slurmd-$host.pid" || cl_die "no slurmd PID file"
    CL_NODE_PIDS=("$(_cl_pidfile "$CL_DIR/slurmd-$host.pid")")
    cl_wait_idle 30
    cl_log "single-node cluster up: node $host, $cpus CPUs"
}

# Two emulated nodes (network namespaces). Sets CL_SUBNET (e.g. 10.250.17.0/24).
cl_start_two() {
    cl_require_netns
    _cl_init
    CL_MODE=two
    local cpus x tag i
    cpus=$(_cl_cpus)
    x=$(( ($$ % 250) + 1 ))
    tag=$$
    CL_SUBNET="10.250.${x}.0/24"
    CL_NODES=(snode1 snode2)
    CL_NS=("sbn${tag}a" "sbn${tag}b")
    CL_VETH=("sbv${tag}a" "sbv${tag}b")
    local addr=("10.250.${x}.1" "10.250.${x}.2")

    # Host side: nothing for 10.250/16 may leave this machine.
    if ! ip route show table main | grep -q '^blackhole 10.250.0.0/16'; then
        ip route add blackhole 10.250.0.0/16 || cl_die "cannot add the blackhole route"
        CL_ROUTE_ADDED=1
        : >"$CL_DIR/route_added"
    fi
    for i in 0 1; do
        echo "${CL_NS[$i]}" >>"$CL_DIR/netns"
        ip netns add "${CL_NS[$i]}" || cl_die "ip netns add ${CL_NS[$i]} failed"
    done
    ip link add "${CL_VETH[0]}" type veth peer name "${CL_VETH[1]}" || cl_die "veth failed"
    for i in 0 1; do
        ip link set "${CL_VETH[$i]}" netns "${CL_NS[$i]}"
        ip -n "${CL_NS[$i]}" addr add "${addr[$i]}/24" dev "${CL_VETH[$i]}"
        ip -n "${CL_NS[$i]}" link set lo up
        ip -n "${CL_NS[$i]}" link set "${CL_VETH[$i]}" up
    done
    cat >"$CL_DIR/hosts" <<EOF
127.0.0.1 localhost
${addr[0]} ${CL_NODES[0]}
${addr[1]} ${CL_NODES[1]}
EOF
    chmod 644 "$CL_DIR/hosts"
    for i in 0 1; do mkdir -p "$CL_DIR/tmp-${CL_NODES[$i]}" "$CL_DIR/spool-${CL_NODES[$i]}"; done

    _cl_start_munged
    _cl_write_conf "${CL_NODES[0]}" "${addr[0]}" \
        "NodeName=${CL_NODES[0]} NodeAddr=${addr[0]} NodeHostname=${CL_NODES[0]} CPUs=${cpus} RealMemory=$(_cl_mem) ${CL_NODE_OPTS:-} State=UNKNOWN
NodeName=${CL_NODES[1]} NodeAddr=${addr[1]} NodeHostname=${CL_NODES[1]} CPUs=${cpus} RealMemory=$(_cl_mem) ${CL_NODE_OPTS:-} State=UNKNOWN" \
        "${CL_NODES[0]},${CL_NODES[1]}"

    # Each node: own network namespace (nsenter --net; `ip netns exec` would
    # remount /sys and break slurmd's cgroup probe), own UTS + mount namespace for
    # its hostname and a private /etc/hosts. Node 1 also runs slurmctld.
    CL_NODE_PIDS=()
    for i in 0 1; do _cl_start_node_daemons "$i"; done
    cl_wait_idle 30
    cl_log "two-node cluster up: ${CL_NODES[*]} on $CL_SUBNET, $cpus CPUs each"
}

# Start node index I's daemons (0: slurmctld and slurmd; 1: slurmd) in their own
# UTS + mount namespace, inside the node's network namespace; sets CL_NODE_PIDS[I].
_cl_start_node_daemons() {
    local i=$1 node=${CL_NODES[$1]} daemons
    daemons="\"$(_cl_bin slurmd)\" -N $node"
    if [ "$i" = 0 ] && [ ! -s "$CL_DIR/slurmctld.pid" ]; then
        daemons="\"$(_cl_bin slurmctld)\" -c && for _ in \$(seq 75); do [ -s \"$CL_DIR/slurmctld.pid\" ] && break; sleep 0.2; done && $daemons"
    fi
    rm -f "$CL_DIR/slurmd-$node.pid"
    nsenter --net="/run/netns/${CL_NS[$i]}" \
        unshare --uts --mount --propagation private -- \
        bash -c "hostname $node && mount --bind \"$CL_DIR/hosts\" /etc/hosts && $daemons" \
        || cl_die "starting the daemons of $node failed (see $CL_DIR/*.log)"
    cl_wait_until 15 test -s "$CL_DIR/slurmd-$node.pid" || cl_die "no slurmd PID file for $node"
    CL_NODE_PIDS[$i]=$(_cl_pidfile "$CL_DIR/slurmd-$node.pid")
}

# A node failure (two-node mode): kill -9 node N's slurmd, as a crash would. slurmctld
# declares the node DOWN once it stops answering (SlurmdTimeout; CL_EXTRA_CONF) and
# requeues its jobs; the job steps already on the node run on until cl_stop.
cl_kill_node() {
    local i=$(( $1 - 1 ))
    [ "$CL_MODE" = two ] && [ "$i" = 1 ] || cl_die "cl_kill_node: only node 2 of a two-node cluster"
    kill -KILL "${CL_NODE_PIDS[$i]}" || cl_die "cannot kill the slurmd of ${CL_NODES[$i]}"
    cl_log "killed the slurmd of ${CL_NODES[$i]} (pid ${CL_NODE_PIDS[$i]}, kill -9)"
}

# Start node N's slurmd again after cl_kill_node; it registers and, with
# ReturnToService=2, the node returns to service.
cl_restart_node() {
    local i=$(( $1 - 1 ))
    _cl_start_node_daemons "$i"
    cl_log "restarted the slurmd of ${CL_NODES[$i]} (pid ${CL_NODE_PIDS[$i]})"
}

# State of node N as sinfo shows it (idle, alloc, down*, ...).
cl_node_state() {
    cl_query sinfo -h -n "${CL_NODES[$(( $1 - 1 ))]}" -o %t 2>/dev/null
}

# The command prefix that enters node N's namespaces (empty on a single node).
_cl_prefix() {
    local i=$(( $1 - 1 ))
    CL_PREFIX=()
    if [ "$CL_MODE" = two ]; then
        CL_PREFIX=(nsenter --target "${CL_NODE_PIDS[$i]}" --net --uts --mount --wd="$PWD" --)
    fi
}

# Run a command where Slurm clients work: on node N's namespaces.
cl_run_on() {
    local n=$1; shift
    _cl_prefix "$n"
    "${CL_PREFIX[@]}" "$@"
}
cl_run() { cl_run_on 1 "$@"; }

# A client query on node 1 bounded by SECS (default 20): for polling loops.
cl_query() {
    _cl_prefix 1
    timeout "${CL_QUERY_TIMEOUT:-20}" "${CL_PREFIX[@]}" "$@"
}

# Final state of a job (COMPLETED, FAILED, ...) or its current state.
cl_job_state() {
    cl_query scontrol show job -o "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

_cl_final_state() {
    case "$1" in
        COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) return 0 ;;
    esac
    return 1
}

# cl_wait_job ID SECS: poll every 0.5 s until the job reached a final state;
# prints that state. Returns 1 (and prints the last state) on timeout.
cl_wait_job() {
    local id=$1 secs=${2:-60} state=""
    local deadline=$(( $(date +%s) + secs ))
    while :; do
        state=$(cl_query squeue -h -t all -j "$id" -o %T 2>/dev/null | head -n1)
        [ -n "$state" ] || state=$(cl_job_state "$id")
        if _cl_final_state "$state"; then echo "$state"; return 0; fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            cl_log "job $id not finished after ${secs}s (state ${state:-unknown})"
            cl_query scontrol show job "$id" >&2 2>/dev/null || true
            echo "${state:-UNKNOWN}"
            return 1
        fi
        sleep 0.5
    done
}

# cl_wait_jobs SECS ID...: wait for all.
cl_wait_jobs() {
    local secs=$1; shift
    local deadline=$(( $(date +%s) + secs )) id left
    for id in "$@"; do
        left=$(( deadline - $(date +%s) ))
        [ "$left" -gt 0 ] || left=1
        cl_wait_job "$id" "$left" >/dev/null || return 1
    done
}

# Wait until a job is RUNNING (at most SECS).
cl_wait_running() {
    local id=$1 secs=${2:-30}
    local deadline=$(( $(date +%s) + secs ))
    while [ "$(cl_query squeue -h -j "$id" -o %T 2>/dev/null)" != RUNNING ]; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# Bytes moved (rx+tx) on node N's veth (two-node mode).
cl_veth_bytes() {
    local i=$(( $1 - 1 ))
    ip -n "${CL_NS[$i]}" -s link show "${CL_VETH[$i]}" | awk '
        /RX:/ {getline; rx=$1} /TX:/ {getline; tx=$1} END {print rx + tx}'
}

# Show logs (for a failed test).
cl_dump_logs() {
    [ -n "$CL_DIR" ] || return 0
    local f
    for f in "$CL_DIR"/slurmctld.log "$CL_DIR"/slurmd-*.log; do
        [ -f "$f" ] || continue
        echo "---- tail $f" >&2
        tail -n 30 "$f" >&2
    done
}

# Is PID a descendant of ANCESTOR?
_cl_descends_from() {
    local p=$1 anc=$2 n=0
    while [ -n "$p" ] && [ "$p" -gt 1 ] && [ "$n" -lt 64 ]; do
        [ "$p" = "$anc" ] && return 0
        p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
        n=$((n + 1))
    done
    return 1
}

# PIDs of processes carrying our marker (job steps, ranks, stray daemons).
_cl_marked_pids() {
    local p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = "$$" ] && continue
        [ "$p" = "$BASHPID" ] && continue
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null \
            | grep -qxF "SUMBENCH_TEST_CLUSTER=$CL_DIR" || continue
        # Not our own descendants (this scan's pipeline, the test's children).
        _cl_descends_from "$p" "$$" && continue
        echo "$p"
    done
}

cl_stop() {
    local rc=$?
    [ "$CL_STOPPED" = 1 ] && return "$rc"
    CL_STOPPED=1
    [ -n "$CL_DIR" ] || return "$rc"
    trap - EXIT
    if [ -n "$CL_WATCHDOG" ]; then kill -TERM "$CL_WATCHDOG" 2>/dev/null || true; wait "$CL_WATCHDOG" 2>/dev/null || true; fi
    if [ "$rc" != 0 ] && [ "${CL_QUIET_LOGS:-0}" != 1 ]; then cl_dump_logs; fi
    cl_log "stopping the cluster (test exit status $rc)"
    # 1. Cancel what is left, give it a moment.
    if [ -n "${CL_NODE_PIDS[0]:-}" ] && _cl_pid_alive "${CL_NODE_PIDS[0]}"; then
        _cl_prefix 1
        if [ -n "$(timeout 10 "${CL_PREFIX[@]}" squeue -h -o %i 2>/dev/null)" ]; then
            timeout 10 "${CL_PREFIX[@]}" scancel --user=root >/dev/null 2>&1 || true
            local deadline=$(( $(date +%s) + 8 ))
            while [ -n "$(timeout 5 "${CL_PREFIX[@]}" squeue -h -o %i 2>/dev/null)" ] \
                  && [ "$(date +%s)" -lt "$deadline" ]; do
                sleep 0.3
            done
        fi
    fi
    # 2. Daemons, by PID file.
    local node pid
    for node in "${CL_NODES[@]}"; do
        pid=$(_cl_pidfile "$CL_DIR/slurmd-$node.pid")
        _cl_stop_pid "$pid" 10 "slurmd $node"
    done
    pid=$(_cl_pidfile "$CL_DIR/slurmctld.pid")
    _cl_stop_pid "$pid" 15 slurmctld
    # 3. Namespaces: every process still inside, then the namespace itself.
    local ns
    for ns in "${CL_NS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            _cl_stop_pid "$pid" 5 "process in $ns"
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    # veth pairs vanish with their namespaces; the host side has none.
    if [ "$CL_ROUTE_ADDED" = 1 ]; then
        ip route del blackhole 10.250.0.0/16 2>/dev/null || true
        rm -f "$CL_DIR/route_added"
    fi
    # 4. munged.
    pid=$(_cl_pidfile "$CL_DIR/munge/munged.pid")
    _cl_stop_pid "$pid" 10 munged
    # 6. Leftover job processes (slurmstepd, ranks) carrying our marker.
    local left
    left=$(_cl_marked_pids)
    for pid in $left; do
        cl_log "killing leftover process $pid ($({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-80))"
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "${CL_KEEP:-0}" = 1 ]; then
        rm -f "$CL_DIR/owner.pid"  # nothing runs there any more: not for _cl_reap_stale
        cl_log "kept $CL_DIR"
    else
        rm -rf "$CL_DIR"
    fi
    cl_log "stopped"
    return "$rc"
}

# ---------------------------------------------------------------- test helpers

# Paths of the project under test (CTest passes SUMBENCH, SUMBENCH_SOURCE_DIR,
# SUMBENCH_PYTHON). Sets SRC, PY, CHECK; exports SUMBENCH and SUMBENCH_PYTHON.
cl_sumbench_env() {
    SRC=${SUMBENCH_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    SRC=$(cd "$SRC" && pwd -P)
    export SUMBENCH=${SUMBENCH:-$SRC/build/sumbench}
    PY=${SUMBENCH_PYTHON:-python3}
    export SUMBENCH_PYTHON=$PY
    # shellcheck disable=SC2034  # used by the test scripts
    CHECK=("$PY" "$SRC/tests/slurm/check.py")
    if [ ! -x "$SUMBENCH" ]; then
        echo "FAIL: sumbench binary '$SUMBENCH' not found: build it first (or set SUMBENCH)" >&2
        exit 1
    fi
}

# The start of every Slurm test script: skip (77) unless this machine can run the
# cluster and has every PROGRAM named; the project's paths (cl_sumbench_env); a watchdog
# of SECS seconds (SUMBENCH_SLURM_TEST_TIMEOUT overrides it).
cl_begin() {
    local secs=$1 b; shift
    cl_require
    for b in "$@"; do
        command -v "$b" >/dev/null || { echo "SKIP: $b is not installed (scripts/setup.sh test installs it)"; exit 77; }
    done
    cl_sumbench_env
    cl_watchdog "${SUMBENCH_SLURM_TEST_TIMEOUT:-$secs}"
}

# cl_expect_combine CID DIR ID...: the combine job CID of the sweep in DIR completed, and
# its jobs.csv has every task ID COMPLETED in its final attempt.
cl_expect_combine() {
    local cid=$1 dir=$2 j expect=()
    shift 2
    cl_expect_state "$cid" COMPLETED 60 "$dir/logs/combine-$cid.out"
    cl_show "$dir/logs/combine-$cid.out"
    for j in "$@"; do expect+=("$j=COMPLETED:final"); done
    "${CHECK[@]}" jobs "$dir" "${expect[@]}"
}

# A step of a test, for readable logs.
cl_step() { printf '\n=== %s\n' "$*"; }

# Show a job's output file (when a check fails).
cl_show() { local f; for f in "$@"; do [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }; done; return 0; }

# cl_expect_state ID STATE SECS [OUTFILE]: wait for the job, fail unless it ended STATE.
cl_expect_state() {
    local id=$1 want=$2 secs=$3 out=${4:-} st
    st=$(cl_wait_job "$id" "$secs") || true
    if [ "$st" != "$want" ]; then
        cl_show "$out"
        cl_die "job $id ended $st, expected $want"
    fi
    echo "job $id: $st"
}
