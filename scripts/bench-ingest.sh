#!/usr/bin/env bash
# Ingest benchmark (not a test): dicom-gw serve against DCMTK storescp, same machine, same run.
#
#   scripts/bench-ingest.sh [WORKDIR]
#
# Builds dicom-gw (release), starts a private PostgreSQL with fsync ON, generates
#   - 500 x 0.5 MB CT-like instances,
#   - 5,000 x 10 KB instances,
#   - one 500 MB instance,
# sends each set with /usr/bin/storescu (one association) to /usr/bin/storescp (writing
# files) and to dicom-gw serve (fsync + rows + audit per instance), and prints
# instances/s, MB/s, the ratio to storescp, and each receiver's peak RSS (/usr/bin/time -v).
# BENCH_SKIP_BUILD=1 reuses .build/release/dicom-gw; BENCH_KEEP=1 keeps WORKDIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d /tmp/dicom-gw-bench.XXXXXX)}
mkdir -p "$work"
export TCP_NODELAY=1
cd "$root"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --product dicom-gw >&2
fi
gw="$root/.build/release/dicom-gw"

# A PostgreSQL of its own, durable (fsync on), so the gateway pays for real commits.
export DICOM_GW_DEV_DB_DIR="$work/pg"
unset DICOM_GW_DEV_DB_FAST
scripts/dev-db.sh start >&2
db_url=$(scripts/dev-db.sh url)
"$gw" migrate --database-url "$db_url" >&2

gwpid=""; scppid=""
cleanup() {
    if [ -n "$gwpid" ]; then pkill -KILL -P "$gwpid" 2>/dev/null || true; fi
    if [ -n "$scppid" ]; then pkill -KILL -P "$scppid" 2>/dev/null || true; fi
    scripts/dev-db.sh stop >&2 || true
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

echo "generating instances in $work ..." >&2
[ -d "$work/ct" ] || python3 scripts/bench-generate.py "$work/ct" 500 524288
[ -d "$work/small" ] || python3 scripts/bench-generate.py "$work/small" 5000 10240
[ -d "$work/big" ] || python3 scripts/bench-generate.py "$work/big" 1 524288000

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }
# Peak RSS in MB from a /usr/bin/time -v report.
peak_mb() { awk '/Maximum resident set size/ {printf "%.1f", $6/1024}' "$1"; }

start_scp() {  # $1 = output dir
    rm -rf "$1"; mkdir -p "$1"
    port=$(free_port)
    /usr/bin/time -v -o "$work/scp.time" /usr/bin/storescp +xa -od "$1" "$port" >/dev/null 2>&1 &
    scppid=$!
    wait_port "$port"
}
# The recorded pids are /usr/bin/time's, which ignores SIGINT while its child runs and
# does not forward signals: signal the child (storescp does not stop on SIGINT or SIGTERM
# between associations, so it is killed; its files are written by then).
stop_scp() { pkill -KILL -P "$scppid" 2>/dev/null || true; wait "$scppid" 2>/dev/null || true; scppid=""; }

start_gw() {  # $1 = storage root
    rm -rf "$1"
    port=$(free_port)
    /usr/bin/time -v -o "$work/gw.time" "$gw" serve --database-url "$db_url" --storage-root "$1" \
        --port "$port" --ae-title GATEWAY --host 127.0.0.1 --log-level warning 2>"$work/gw.log" &
    gwpid=$!
    wait_port "$port"
}
stop_gw() { pkill -TERM -P "$gwpid" 2>/dev/null || true; wait "$gwpid" 2>/dev/null || true; gwpid=""; }

send() {  # $1 = port, $2 = dir; prints seconds; fails unless every instance was acknowledged
    local t0 t1
    t0=$(now)
    if ! /usr/bin/storescu -aet BENCH -aec GATEWAY -nh +sd 127.0.0.1 "$1" "$2" 2>"$work/scu.log"; then
        echo "storescu failed: $(tail -5 "$work/scu.log")" >&2; return 1
    fi
    if grep -q "Store Failed\|Failure" "$work/scu.log"; then echo "some stores failed: $(grep -m3 'Failed' "$work/scu.log")" >&2; return 1; fi
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}

report() {  # name count bytes scp_seconds gw_seconds scp_rss gw_rss
    awk -v n="$1" -v c="$2" -v b="$3" -v s="$4" -v g="$5" -v sr="$6" -v gr="$7" 'BEGIN {
        printf "%-22s storescp %8.1f inst/s %7.1f MB/s (RSS %s MB) | dicom-gw %8.1f inst/s %7.1f MB/s (RSS %s MB) | ratio %.2f\n",
            n, c/s, b/s/1048576, sr, c/g, b/g/1048576, gr, s/g }'
}

run_set() {  # name dir
    local count bytes scp_s gw_s scp_rss gw_rss
    count=$(find "$2" -name '*.dcm' | wc -l)
    bytes=$(du -sb "$2" | cut -f1)
    start_scp "$work/scp-out"; scp_s=$(send "$port" "$2"); stop_scp; scp_rss=$(peak_mb "$work/scp.time")
    start_gw "$work/gw-root"; gw_s=$(send "$port" "$2"); stop_gw; gw_rss=$(peak_mb "$work/gw.time")
    stored=$(find "$work/gw-root/storage/studies" -name '*.dcm' | wc -l)
    [ "$stored" -eq "$count" ] || echo "WARNING: dicom-gw stored $stored of $count" >&2
    report "$1" "$count" "$bytes" "$scp_s" "$gw_s" "$scp_rss" "$gw_rss"
}

echo "== ingest: one storescu association per set; storescp writes files, dicom-gw fsyncs + commits rows per instance =="
run_set "CT 500 x 0.5 MB" "$work/ct"
run_set "small 5000 x 10 KB" "$work/small"
run_set "one 500 MB instance" "$work/big"
echo "(peak RSS is the whole process over its run; the 500 MB line is the constant-memory check: target <= 64 MB)"
