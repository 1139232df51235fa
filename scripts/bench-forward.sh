#!/usr/bin/env bash
# Forwarding benchmark (not a test): figures printed beside DCMTK measured in the same run,
# as ratios, against one /usr/bin/storescp destination.
#
#   scripts/bench-forward.sh [N=500] [release|debug] [WORKDIR]
#
# (peer) /usr/bin/dcmsend sends the N x 0.5 MB files straight to storescp (one association).
# (b) end to end: storescu -> dicom-gw serve (one route, in-process workers) -> storescp,
#     from the first send to the last arrival at storescp;   target >= 87/s (issue 11: 5 x Orthanc's
#     per-object auto-routing). When Orthanc is installed (Debian's `orthanc` and
#     `orthanc-postgresql`, docs/bench-ingest.md), its peer runs in the same run: storescu ->
#     Orthanc (index in PostgreSQL on the same server, SyncStorageArea on, a Lua
#     OnStoredInstance sending each object to the same storescp) -> storescp.
# (a) replay: `dicom-gw replay --study` of those N stored objects, from the command to the
#     last delivery recorded (workers read the files from the tree); BENCH_ROUNDS (default 3)
#     rounds of dcmsend then replay, the median round;                    target >= 0.9 of dcmsend
# (c) receive -> forward latency of single objects on the idle gateway: storescu of one file,
#     from the instance row (received_at, the receive transaction) to the delivery
#     (delivered_at, after storescp's C-STORE-RSP); p50 and p99.          target p50 < 100 ms
#     Its peer: one storescu -> storescp of the same file, wall clock (process start included).
#
# Like dcmsend, the destination gets one association at a time carrying up to N objects
# (max_associations 1, max_objects_per_association N, forward.batch_size N).
#
# Environment:
#   BENCH_DB_URL      a PostgreSQL server to use (as bench-ingest.sh): a fresh database is
#                     created on it for the gateway (CREATE DATABASE), migrated, and dropped at
#                     the end. Unset: a private durable cluster (fsync on) under WORKDIR/pg,
#                     started and stopped here.
#   BENCH_SKIP_BUILD  1: reuse .build/release/dicom-gw
#   BENCH_CONFIG      release (default) or debug (figures then mean little); also the 2nd argument
#   BENCH_BINARY      PATH: run that dicom-gw
#   BENCH_KEEP        1: keep WORKDIR
#   BENCH_PERF        1: `perf record -g` of the gateway during (a) into WORKDIR/perf.data
#   BENCH_STRACE      1: `strace -c -f` of the gateway during (a) into WORKDIR/strace.txt
#   BENCH_SINGLES     objects measured one by one for (c) (default 50)
#   BENCH_PG_LOG      1: log every statement's duration of the gateway's database (server log)
# Every wait is bounded (BENCH_WAIT seconds for the deliveries, default 600): a stuck step
# fails the script instead of hanging it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
config=${BENCH_CONFIG:-release}
# The build may come second (bench-all passes `500 release`); anything else is WORKDIR.
case "${2:-}" in
release | debug) config=$2; work=${3:-} ;;
*) work=${2:-} ;;
esac
[ -n "$work" ] || work=$(mktemp -d /tmp/dicom-gw-bench-forward.XXXXXX)
mkdir -p "$work"
# Absolute: dev-db.sh walks the data directory's parents up to /.
work=$(cd "$work" && pwd)
wait_limit=${BENCH_WAIT:-600}
export TCP_NODELAY=1
cd "$root"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH_BINARY:-}" ]; then
    swift build -c "$config" --product dicom-gw >&2
fi
gw=${BENCH_BINARY:-$root/.build/$config/dicom-gw}

pgbin=""
for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do [ -x "$d/psql" ] && { pgbin=$d; break; }; done
[ -n "$pgbin" ] || { echo "bench-forward: psql not found" >&2; exit 1; }
# Every statement is bounded: a server that stops answering fails the script.
export PGCONNECT_TIMEOUT=10
psql_to() { timeout 60 "$pgbin/psql" "$@"; }

gwpid=""; scppid=""; perfpid=""; stracepid=""; orthpid=""; started_db=0; run_db=""; orth_db=""; server_url=""
# stop PID SIGNAL: signals a child and waits for it at most 10 s, then kills it.
stop() {
    kill "-$2" "$1" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    if [ -n "$perfpid" ]; then stop "$perfpid" INT; fi
    if [ -n "$stracepid" ]; then stop "$stracepid" INT; fi
    if [ -n "$gwpid" ]; then stop "$gwpid" KILL; fi
    if [ -n "$orthpid" ]; then stop "$orthpid" KILL; fi
    if [ -n "$orth_db" ]; then psql_to "$server_url" -Xqc "DROP DATABASE IF EXISTS $orth_db WITH (FORCE)" >&2 || true; fi
    # storescp ignores SIGTERM between associations.
    if [ -n "$scppid" ]; then stop "$scppid" KILL; fi
    if [ -n "$run_db" ]; then psql_to "$server_url" -Xqc "DROP DATABASE IF EXISTS $run_db WITH (FORCE)" >&2 || true; fi
    if [ "$started_db" = 1 ]; then timeout 120 scripts/dev-db.sh stop >&2 || true; fi
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -n "${BENCH_DB_URL:-}" ]; then
    # The suite's server: a database of our own on it, dropped at the end.
    server_url=$BENCH_DB_URL
    run_db="bench_forward_$$_$RANDOM"
    psql_to "$server_url" -Xqc "CREATE DATABASE $run_db" >&2
    db_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$server_url" "$run_db")
else
    # A PostgreSQL of its own, durable (fsync on), so the gateway pays for real commits.
    export DICOM_GW_DEV_DB_DIR="$work/pg"
    unset DICOM_GW_DEV_DB_FAST
    started_db=1
    timeout 180 scripts/dev-db.sh start >&2
    db_url=$(scripts/dev-db.sh url)
    server_url=$db_url
fi
q() { psql_to "$db_url" -XAtqc "$1"; }
if [ "${BENCH_PG_LOG:-0}" = 1 ] && [ -n "$run_db" ]; then
    q "ALTER DATABASE $run_db SET log_min_duration_statement = 0" >&2
elif [ "${BENCH_PG_LOG:-0}" = 1 ]; then
    q "ALTER SYSTEM SET log_min_duration_statement = 0" >&2; q "SELECT pg_reload_conf()" >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Each connection attempt is bounded too (a full accept queue would stall connect for minutes).
wait_port() {
    for _ in $(seq 1 400); do
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "port $1 never opened" >&2
    return 1
}
now() { date +%s.%N; }
# Waits until the count query reaches the target; fails after the timeout (seconds). The loop
# runs in the server (a fresh snapshot per check, every 2 ms), so the end of a timed phase is
# seen within milliseconds rather than after a psql start per poll.
wait_for() {
    if ! timeout $(( $3 + 15 )) "$pgbin/psql" "$db_url" -XAtqc "DO \$\$ DECLARE deadline timestamptz := clock_timestamp() + interval '$3 seconds';
        BEGIN WHILE ($1) < $2 LOOP
            IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'timed out'; END IF;
            PERFORM pg_sleep(0.002);
        END LOOP; END \$\$" >/dev/null; then
        echo "timed out waiting for $2 ($1); gateway log:" >&2; tail -20 "$work/gw.log" >&2; return 1
    fi
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
rate() { python3 -c "print(f'{$1/($3-$2):.1f}')"; }

# A kept WORKDIR keeps its generated data; the gateway's tree and storescp's files start empty.
rm -rf "$work/root" "$work/peer" "$work/single"
echo "generating $n x 0.5 MB instances in $work ..." >&2
if [ -d "$work/ct" ] && [ "$(find "$work/ct" -name '*.dcm' | wc -l)" != "$n" ]; then rm -rf "$work/ct"; fi
[ -d "$work/ct" ] || timeout 600 python3 scripts/bench-generate.py "$work/ct" "$n" 524288
study=$(timeout 60 /usr/bin/dcmdump +P 0020,000d "$work/ct/000000.dcm" | sed -E 's/.*\[([^]]*)\].*/\1/')
bytes=$(stat -c %s "$work/ct/000000.dcm")

scp_port=$(free_port)
mkdir -p "$work/peer"
/usr/bin/storescp -aet STORESCP +xa -od "$work/peer" "$scp_port" >"$work/scp.log" 2>&1 &
scppid=$!
wait_port "$scp_port"
peer_files() { find "$work/peer" -type f | wc -l; }

# Peer: dcmsend straight to storescp, best of two (the gateway's figures are single runs).
dcmsend_rate=0
for _ in 1 2; do
    rm -rf "$work/peer"/*
    t0=$(now)
    timeout "$wait_limit" /usr/bin/dcmsend -aet BENCH -aec STORESCP -nuc +sd 127.0.0.1 "$scp_port" "$work/ct" >"$work/dcmsend.log" 2>&1
    t1=$(now)
    [ "$(peer_files)" -eq "$n" ] || { echo "dcmsend delivered $(peer_files) of $n" >&2; exit 1; }
    r=$(rate "$n" "$t0" "$t1")
    dcmsend_rate=$(python3 -c "print(max($dcmsend_rate, $r))")
done

timeout 120 "$gw" migrate --database-url "$db_url" >&2
gw_port=$(free_port)
admin_port=$(free_port)
DICOM_GW_FORWARD_BATCH_SIZE=$n "$gw" serve --database-url "$db_url" --storage-root "$work/root" --port "$gw_port" --host 127.0.0.1 \
    --ae-title DICOM_GW --admin-listen "127.0.0.1:$admin_port" --log-level warning >"$work/gw.log" 2>&1 &
gwpid=$!
wait_port "$gw_port"
gwcli() { timeout 120 "$gw" "$@" --database-url "$db_url" --storage-root "$work/root" --log-level warning; }
gwcli destination add peer --ae-title STORESCP --host 127.0.0.1 --port "$scp_port" --max-associations 1 --max-objects "$n" >/dev/null
gwcli route add all --to peer >/dev/null
sleep 1.5  # the workers' tag cache and lanes settle

# (b) end to end.
rm -rf "$work/peer"/*
t0=$(now)
timeout "$wait_limit" /usr/bin/storescu -aet BENCH -aec DICOM_GW -nh +sd 127.0.0.1 "$gw_port" "$work/ct" >"$work/scu.log" 2>&1
t_sent=$(now)
wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$n" "$wait_limit"
t1=$(now)
[ "$(peer_files)" -ge "$n" ] || { echo "storescp has $(peer_files) of $n" >&2; exit 1; }
e2e_rate=$(rate "$n" "$t0" "$t1")
receive_rate=$(rate "$n" "$t0" "$t_sent")

# (b) beside Orthanc's per-object auto-routing, when Orthanc is installed.
orthanc_rate=""
orthanc_plugin=/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so
if [ -x /usr/sbin/Orthanc ] && [ -f "$orthanc_plugin" ]; then
    orth_db="bench_orthanc_$$_$RANDOM"
    psql_to "$server_url" -Xqc "CREATE DATABASE $orth_db" >&2
    rm -rf "$work/orthanc"; mkdir -p "$work/orthanc"
    orth_port=$(free_port); orth_http=$(free_port)
    python3 scripts/bench-orthanc-config.py "$server_url" "$orth_db" "$work/orthanc" "$orth_port" "$orth_http" \
        STORESCP "$scp_port" >"$work/orthanc/orthanc.json"
    TCP_NODELAY=1 /usr/sbin/Orthanc "$work/orthanc/orthanc.json" >"$work/orthanc.log" 2>&1 &
    orthpid=$!
    wait_port "$orth_port"
    rm -rf "$work/peer"/*
    t0=$(now)
    timeout "$wait_limit" /usr/bin/storescu -aet BENCH -aec ORTHANC -nh +sd 127.0.0.1 "$orth_port" "$work/ct" >"$work/scu-orthanc.log" 2>&1
    for _ in $(seq 1 $((wait_limit * 50))); do [ "$(peer_files)" -ge "$n" ] && break; sleep 0.02; done
    t1=$(now)
    if [ "$(peer_files)" -ge "$n" ]; then
        orthanc_rate=$(rate "$n" "$t0" "$t1")
    else
        echo "Orthanc forwarded $(peer_files) of $n; log: $work/orthanc.log" >&2
    fi
    stop "$orthpid" TERM; orthpid=""
    psql_to "$server_url" -Xqc "DROP DATABASE IF EXISTS $orth_db WITH (FORCE)" >&2 || true; orth_db=""
fi

# (a) replay from the tree.
rm -rf "$work/peer"/*
if [ "${BENCH_PERF:-0}" = 1 ]; then
    perf record -g -F 999 -p "$gwpid" -o "$work/perf.data" >/dev/null 2>&1 &
    perfpid=$!
    sleep 0.5
fi
if [ "${BENCH_STRACE:-0}" = 1 ]; then
    strace -c -f -p "$gwpid" -o "$work/strace.txt" 2>/dev/null &
    stracepid=$!
    sleep 0.5
fi
# Rounds of dcmsend then replay, back to back, so each replay has a peer measured moments
# before it on the same (shared, noisy) machine; the figure is the median round.
rounds=${BENCH_ROUNDS:-3}
replay_rates=(); peer_rates=(); replay_ratios=(); replay_cmds=()
for round in $(seq 1 "$rounds"); do
    rm -rf "$work/peer"/*
    t0=$(now)
    timeout "$wait_limit" /usr/bin/dcmsend -aet BENCH -aec STORESCP -nuc +sd 127.0.0.1 "$scp_port" "$work/ct" >"$work/dcmsend.log" 2>&1
    t1=$(now)
    [ "$(peer_files)" -eq "$n" ] || { echo "dcmsend delivered $(peer_files) of $n" >&2; exit 1; }
    peer=$(rate "$n" "$t0" "$t1")
    rm -rf "$work/peer"/*
    t0=$(now)
    gwcli replay --study "$study" >/dev/null
    replay_cmds+=("$(python3 -c "print(f'{$(now)-$t0:.3f}')")")
    wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND attempts = $((round + 1))" "$n" "$wait_limit"
    t1=$(now)
    [ "$(peer_files)" -ge "$n" ] || { echo "storescp has $(peer_files) of $n after the replay" >&2; exit 1; }
    r=$(rate "$n" "$t0" "$t1")
    replay_rates+=("$r"); peer_rates+=("$peer"); replay_ratios+=("$(ratio "$r" "$peer")")
    echo "round $round: dcmsend $peer/s, replay $r/s (ratio $(ratio "$r" "$peer"); the replay command took ${replay_cmds[-1]} s)" >&2
done
if [ -n "$perfpid" ]; then stop "$perfpid" INT; perfpid=""; fi
if [ -n "$stracepid" ]; then stop "$stracepid" INT; stracepid=""; fi
median() { printf '%s\n' "$@" | sort -g | python3 -c "import sys; v=[x.strip() for x in sys.stdin if x.strip()]; print(v[(len(v)-1)//2])"; }
replay_rate=$(median "${replay_rates[@]}")
replay_peer=$(median "${peer_rates[@]}")
replay_ratio=$(median "${replay_ratios[@]}")
replay_cmd=$(median "${replay_cmds[@]}")

# (c) latency of single objects on the idle gateway, and the peer's single-object time.
singles=${BENCH_SINGLES:-50}
mkdir -p "$work/single"
for i in $(seq 1 "$singles"); do cp "$work/ct/000000.dcm" "$work/single/$i.dcm"; done
timeout 120 /usr/bin/dcmodify -nb -gst -gse -gin "$work/single"/*.dcm >/dev/null 2>&1
sleep 1
peer_ms=()
for f in "$work/single"/*.dcm; do
    before=$(q "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'")
    timeout 60 /usr/bin/storescu -aet BENCH -aec DICOM_GW 127.0.0.1 "$gw_port" "$f" >/dev/null 2>&1
    wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$((before + 1))" 30
    t0=$(now)
    timeout 60 /usr/bin/storescu -aet BENCH -aec STORESCP 127.0.0.1 "$scp_port" "$f" >/dev/null 2>&1
    t1=$(now)
    peer_ms+=("$(python3 -c "print(($t1-$t0)*1000)")")
    sleep 0.3  # idle again: the next object finds every claim loop asleep
done
lat=$(q "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
         FROM (SELECT extract(epoch FROM d.delivered_at - i.received_at) * 1000 AS ms
               FROM dicom_gw.deliveries d JOIN dicom_gw.instances i ON i.id = d.instance_id
               JOIN dicom_gw.studies s ON s.id = i.study_id
               WHERE s.study_instance_uid <> '$study') t")
p50=${lat% *}; p99=${lat#* }
peer_p50=$(printf '%s\n' "${peer_ms[@]}" | sort -n | python3 -c "import sys; v=[float(x) for x in sys.stdin]; print(f'{v[len(v)//2]:.1f}')")
peer_p99=$(printf '%s\n' "${peer_ms[@]}" | sort -n | python3 -c "import sys; v=[float(x) for x in sys.stdin]; print(f'{v[min(len(v)-1, int(len(v)*0.99))]:.1f}')")

rerun="scripts/bench-forward.sh $n"
echo
printf 'objects: %d x %d bytes, one study; build %s; storescp destination, 1 association of up to %d objects\n' "$n" "$bytes" "$config" "$n"
printf 'dcmsend -> storescp (peer):             %8.1f objects/s\n' "$dcmsend_rate"
printf '(b) storescu -> gateway -> storescp:    %8.1f objects/s  ratio %s to dcmsend (target >= 87/s; receive alone %s objects/s)\n' "$e2e_rate" "$(ratio "$e2e_rate" "$dcmsend_rate")" "$receive_rate"
printf '(a) replay from the tree -> storescp:   %8.1f objects/s  ratio %s (target >= 0.9; median of %d rounds, each beside a dcmsend run: dcmsend %s objects/s; the replay command took %s s)\n' "$replay_rate" "$replay_ratio" "$rounds" "$replay_peer" "$replay_cmd"
printf '(c) receive -> forward latency (ms):    p50 %s  p99 %s  (peer storescu -> storescp per object: p50 %s  p99 %s; target p50 < 100)\n' "$p50" "$p99" "$peer_p50" "$peer_p99"
printf 'BENCH-RESULT\tforward replay %d x 0.5 MB (objects/s)\t%s\t%s\t%s\t>= 0.9\t%s\n' "$n" "$replay_rate" "$replay_peer" "$replay_ratio" "$rerun"
printf 'BENCH-RESULT\tforward end to end %d x 0.5 MB (objects/s)\t%s\t%s\t%s\t>= 87/s\t%s\n' "$n" "$e2e_rate" "$dcmsend_rate" "$(ratio "$e2e_rate" "$dcmsend_rate")" "$rerun"
if [ -n "$orthanc_rate" ]; then
    printf '(b) beside Orthanc auto-routing:        %8.1f objects/s  ratio %s (issue 11: >= 5 x)\n' "$orthanc_rate" "$(ratio "$e2e_rate" "$orthanc_rate")"
    printf 'BENCH-RESULT\tforward end to end %d x 0.5 MB, beside Orthanc per-object auto-routing (objects/s; peer: Orthanc + PostgreSQL, Lua OnStoredInstance)\t%s\t%s\t%s\t>= 5.0\t%s\n' "$n" "$e2e_rate" "$orthanc_rate" "$(ratio "$e2e_rate" "$orthanc_rate")" "$rerun"
fi
printf 'BENCH-RESULT\tforward latency p50 (ms, peer: storescu->storescp)\t%s\t%s\t%s\t< 100 ms\t%s\n' "$p50" "$peer_p50" "$(ratio "$p50" "$peer_p50")" "$rerun"
printf 'BENCH-RESULT\tforward latency p99 (ms, peer: storescu->storescp)\t%s\t%s\t%s\t-\t%s\n' "$p99" "$peer_p99" "$(ratio "$p99" "$peer_p99")" "$rerun"
