#!/usr/bin/env bash
# Forwarding benchmark (not a test): figures printed beside DCMTK measured in the same run,
# as ratios, against one /usr/bin/storescp destination.
#
#   scripts/bench-forward.sh [N=500] [WORKDIR]
#
# (peer) /usr/bin/dcmsend sends the N x 0.5 MB files straight to storescp (one association).
# (b) end to end: storescu -> dicom-gw serve (one route, in-process workers) -> storescp,
#     from the first send to the last arrival at storescp;                target >= 0.5 of dcmsend
# (a) replay: `dicom-gw replay --study` of those N stored objects, from the command to the
#     last arrival (workers read the files from the tree);                target >= 0.9 of dcmsend
# (c) receive -> forward latency of single objects on the idle gateway: storescu of one file,
#     from the instance row (received_at, the receive transaction) to the delivery
#     (delivered_at, after storescp's C-STORE-RSP); p50 and p99.          target p50 < 100 ms
#     Its peer: one storescu -> storescp of the same file, wall clock (process start included).
#
# Like dcmsend, the destination gets one association at a time carrying up to N objects
# (max_associations 1, max_objects_per_association N, forward.batch_size N). A private
# PostgreSQL with fsync on
# (as bench-ingest.sh). BENCH_SKIP_BUILD=1 reuses .build/release/dicom-gw; BENCH_CONFIG=debug
# uses the debug build (figures then mean little); BENCH_BINARY=PATH runs that dicom-gw;
# BENCH_KEEP=1 keeps WORKDIR;
# BENCH_PERF=1 records `perf record -g` of the gateway during (a) into WORKDIR/perf.data.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
work=${2:-$(mktemp -d /tmp/dicom-gw-bench-forward.XXXXXX)}
config=${BENCH_CONFIG:-release}
mkdir -p "$work"
export TCP_NODELAY=1
cd "$root"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH_BINARY:-}" ]; then
    swift build -c "$config" --product dicom-gw >&2
fi
gw=${BENCH_BINARY:-$root/.build/$config/dicom-gw}

export DICOM_GW_DEV_DB_DIR="$work/pg"
unset DICOM_GW_DEV_DB_FAST
scripts/dev-db.sh start >&2
db_url=$(scripts/dev-db.sh url)
psql_bin=$(dirname "$(find /usr/lib/postgresql -name psql -type f | sort -V | tail -1)")/psql
q() { "$psql_bin" "$db_url" -Atqc "$1"; }

gwpid=""; scppid=""; perfpid=""
cleanup() {
    if [ -n "$perfpid" ]; then kill -INT "$perfpid" 2>/dev/null || true; wait "$perfpid" 2>/dev/null || true; fi
    if [ -n "$gwpid" ]; then kill -KILL "$gwpid" 2>/dev/null || true; fi
    # storescp ignores SIGTERM between associations.
    if [ -n "$scppid" ]; then kill -KILL "$scppid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    scripts/dev-db.sh stop >&2 || true
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 400); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }
# Waits until the count query reaches the target; fails after the timeout (seconds).
wait_for() {
    local deadline=$(( $(date +%s) + $3 ))
    while [ "$(q "$1")" -lt "$2" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for $2 ($1); gateway log:" >&2; tail -20 "$work/gw.log" >&2; return 1; }
        sleep 0.02
    done
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
rate() { python3 -c "print(f'{$1/($3-$2):.1f}')"; }

echo "generating $n x 0.5 MB instances in $work ..." >&2
[ -d "$work/ct" ] || python3 scripts/bench-generate.py "$work/ct" "$n" 524288
study=$(/usr/bin/dcmdump +P 0020,000d "$work/ct/000000.dcm" | sed -E 's/.*\[([^]]*)\].*/\1/')
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
    /usr/bin/dcmsend -aet BENCH -aec STORESCP -nuc +sd 127.0.0.1 "$scp_port" "$work/ct" >"$work/dcmsend.log" 2>&1
    t1=$(now)
    [ "$(peer_files)" -eq "$n" ] || { echo "dcmsend delivered $(peer_files) of $n" >&2; exit 1; }
    r=$(rate "$n" "$t0" "$t1")
    dcmsend_rate=$(python3 -c "print(max($dcmsend_rate, $r))")
done

"$gw" migrate --database-url "$db_url" >&2
gw_port=$(free_port)
admin_port=$(free_port)
DICOM_GW_FORWARD_BATCH_SIZE=$n "$gw" serve --database-url "$db_url" --storage-root "$work/root" --port "$gw_port" --host 127.0.0.1 \
    --ae-title DICOM_GW --admin-listen "127.0.0.1:$admin_port" --log-level warning >"$work/gw.log" 2>&1 &
gwpid=$!
wait_port "$gw_port"
gwcli() { "$gw" "$@" --database-url "$db_url" --storage-root "$work/root" --log-level warning; }
gwcli destination add peer --ae-title STORESCP --host 127.0.0.1 --port "$scp_port" --max-associations 1 --max-objects "$n" >/dev/null
gwcli route add all --to peer >/dev/null
sleep 1.5  # the workers' tag cache and lanes settle

# (b) end to end.
rm -rf "$work/peer"/*
t0=$(now)
/usr/bin/storescu -aet BENCH -aec DICOM_GW -nh +sd 127.0.0.1 "$gw_port" "$work/ct" >"$work/scu.log" 2>&1
t_sent=$(now)
wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$n" 600
t1=$(now)
[ "$(peer_files)" -ge "$n" ] || { echo "storescp has $(peer_files) of $n" >&2; exit 1; }
e2e_rate=$(rate "$n" "$t0" "$t1")
receive_rate=$(rate "$n" "$t0" "$t_sent")

# (a) replay from the tree.
rm -rf "$work/peer"/*
if [ "${BENCH_PERF:-0}" = 1 ]; then
    perf record -g -F 999 -p "$gwpid" -o "$work/perf.data" >/dev/null 2>&1 &
    perfpid=$!
    sleep 0.5
fi
t0=$(now)
gwcli replay --study "$study" >/dev/null
wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND attempts = 2" "$n" 600
t1=$(now)
if [ -n "$perfpid" ]; then kill -INT "$perfpid"; wait "$perfpid" || true; perfpid=""; fi
[ "$(peer_files)" -ge "$n" ] || { echo "storescp has $(peer_files) of $n after the replay" >&2; exit 1; }
replay_rate=$(rate "$n" "$t0" "$t1")

# (c) latency of single objects on the idle gateway, and the peer's single-object time.
singles=50
mkdir -p "$work/single"
for i in $(seq 1 "$singles"); do cp "$work/ct/000000.dcm" "$work/single/$i.dcm"; done
/usr/bin/dcmodify -nb -gst -gse -gin "$work/single"/*.dcm >/dev/null 2>&1
sleep 1
peer_ms=()
for f in "$work/single"/*.dcm; do
    before=$(q "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'")
    /usr/bin/storescu -aet BENCH -aec DICOM_GW 127.0.0.1 "$gw_port" "$f" >/dev/null 2>&1
    wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$((before + 1))" 30
    t0=$(now)
    /usr/bin/storescu -aet BENCH -aec STORESCP 127.0.0.1 "$scp_port" "$f" >/dev/null 2>&1
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
printf '(b) storescu -> gateway -> storescp:    %8.1f objects/s  ratio %s (target >= 0.5; receive alone %s objects/s)\n' "$e2e_rate" "$(ratio "$e2e_rate" "$dcmsend_rate")" "$receive_rate"
printf '(a) replay from the tree -> storescp:   %8.1f objects/s  ratio %s (target >= 0.9)\n' "$replay_rate" "$(ratio "$replay_rate" "$dcmsend_rate")"
printf '(c) receive -> forward latency (ms):    p50 %s  p99 %s  (peer storescu -> storescp per object: p50 %s  p99 %s; target p50 < 100)\n' "$p50" "$p99" "$peer_p50" "$peer_p99"
printf 'BENCH-RESULT\tforward replay %d x 0.5 MB (objects/s)\t%s\t%s\t%s\t>= 0.9\t%s\n' "$n" "$replay_rate" "$dcmsend_rate" "$(ratio "$replay_rate" "$dcmsend_rate")" "$rerun"
printf 'BENCH-RESULT\tforward end to end %d x 0.5 MB (objects/s)\t%s\t%s\t%s\t>= 0.5\t%s\n' "$n" "$e2e_rate" "$dcmsend_rate" "$(ratio "$e2e_rate" "$dcmsend_rate")" "$rerun"
printf 'BENCH-RESULT\tforward latency p50 (ms, peer: storescu->storescp)\t%s\t%s\t%s\t< 100 ms\t%s\n' "$p50" "$peer_p50" "$(ratio "$p50" "$peer_p50")" "$rerun"
printf 'BENCH-RESULT\tforward latency p99 (ms, peer: storescu->storescp)\t%s\t%s\t%s\t-\t%s\n' "$p99" "$peer_p99" "$(ratio "$p99" "$peer_p99")" "$rerun"
