#!/usr/bin/env bash
# Job queue benchmark: pgbench running the queue's own claim+complete SQL is the ceiling;
# the Swift JobQueue is reported beside it as a ratio. Not a test: figures only.
#
#   scripts/bench-queue.sh [pgbench|swift|latency|pinned|all]   (default all)
#
# Environment: BENCH_JOBS (200000), BENCH_SECONDS per pgbench run (5), BENCH_PIN_SECONDS
# (120: how long the pinned-snapshot runs last; the target asks for 600), BENCH_CLIENTS
# ("1 2 4 8 16"), BENCH_WORKERS ("1 4 16"),
# BENCH_BIN (a queue-bench already built; default: swift build -c release), BENCH_DB_URL
# (default: a database dicom_gw_queue_bench on a private cluster under .data/pg-bench started by dev-db.sh,
# created and migrated here; stop it with DICOM_GW_DEV_DB_DIR=.data/pg-bench
# scripts/dev-db.sh stop). BENCH_DURABLE=1: fsync on (cluster .data/pg-bench-durable).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

what=${1:-all}
jobs=${BENCH_JOBS:-200000}
seconds=${BENCH_SECONDS:-5}
pin_seconds=${BENCH_PIN_SECONDS:-120}
free_seconds=${BENCH_FREE_SECONDS:-$pin_seconds}
clients_list=${BENCH_CLIENTS:-"1 2 4 8 16"}
workers_list=${BENCH_WORKERS:-"1 4 16"}
pgbin=/usr/lib/postgresql/15/bin
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if [ -z "${BENCH_DB_URL:-}" ]; then
    # A private cluster of its own, so tests running beside it are not disturbed. Durability
    # off by default (the ceiling measures the queue, not this disk's fsync); BENCH_DURABLE=1
    # turns it on.
    export DICOM_GW_DEV_DB_DIR="$root/.data/pg-bench"
    if [ "${BENCH_DURABLE:-0}" = 1 ]; then export DICOM_GW_DEV_DB_DIR="$root/.data/pg-bench-durable"
    else export DICOM_GW_DEV_DB_FAST=1; fi
    scripts/dev-db.sh status >/dev/null 2>&1 || scripts/dev-db.sh start >/dev/null
    base=$(scripts/dev-db.sh url)
    "$pgbin/psql" "$base" -XqtAc "SELECT 1 FROM pg_database WHERE datname = 'dicom_gw_queue_bench'" \
        | grep -q 1 || "$pgbin/psql" "$base" -Xqc "CREATE DATABASE dicom_gw_queue_bench"
    BENCH_DB_URL=${base/\/dicom_gw\?//dicom_gw_queue_bench?}
    "$pgbin/psql" "$BENCH_DB_URL" -XqtAc "SELECT to_regclass('dicom_gw.jobs')" | grep -q jobs || {
        "$pgbin/psql" "$BENCH_DB_URL" -Xq -v ON_ERROR_STOP=1 -c "CREATE SCHEMA IF NOT EXISTS dicom_gw"
        for f in migrations/0002_*.sql; do
            "$pgbin/psql" "$BENCH_DB_URL" -Xq -v ON_ERROR_STOP=1 -f "$f" >/dev/null
        done
    }
fi
url=$BENCH_DB_URL
sql() { "$pgbin/psql" "$url" -XqtA -v ON_ERROR_STOP=1 "$@"; }

reset_queue() {
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_event_counts, dicom_gw.job_workers"
    sql -c "DELETE FROM dicom_gw.job_lanes WHERE lane = 'bench'"
    sql -v n="$1" -f scripts/bench/fill.sql >/dev/null
    sql -c "VACUUM ANALYZE dicom_gw.jobs" -c "CHECKPOINT"
}

completed() { sql -c "SELECT count(*) FROM dicom_gw.job_history WHERE outcome = 'completed'"; }

# A REPEATABLE READ transaction holding its snapshot (as pg_dump does) for $1 seconds.
pin_snapshot() {
    PGAPPNAME=queue-bench-pin "$pgbin/psql" "$url" -Xq -c "BEGIN ISOLATION LEVEL REPEATABLE READ" \
        -c "SELECT count(*) FROM dicom_gw.jobs" -c "SELECT pg_sleep($1)" -c "COMMIT" >/dev/null 2>&1 &
    echo $!
}

# Ends the pin: the server does not notice a killed psql while its backend sleeps.
unpin() {
    sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'queue-bench-pin'" >/dev/null
    wait "$1" 2>/dev/null || true
}

# pgbench: batch × clients for $3 seconds (batch 1) or the whole fill (larger batches). jobs/s = pgbench's tps (without connection
# time) × jobs completed per transaction; "*" marks a timed run whose queue ran dry (then
# a lower bound: raise BENCH_JOBS).
run_pgbench() {  # $1 batch  $2 clients  $3 seconds  -> jobs/s
    local batch=$1 clients=$2 secs=$3 wid threads out before after left
    wid=$(sql -c "SELECT dicom_gw.job_worker_register('pgbench', 'localhost', 0, '{bench}')")
    threads=$(( clients < 2 ? 1 : 2 ))
    before=$(completed)
    # Large batches drain the whole fill (-t); one-at-a-time runs for a fixed time (-T).
    local limit=(-T "$secs")
    if [ "$batch" -gt 1 ]; then limit=(-t $(( jobs / batch / clients ))); fi
    out=$("$pgbin/pgbench" "$url" -n -M prepared -f scripts/bench/claim-complete.sql \
        -D worker="$wid" -D batch="$batch" -c "$clients" -j "$threads" "${limit[@]}" 2>&1)
    after=$(completed)
    left=$(sql -c "SELECT count(*) FROM dicom_gw.jobs")
    echo "$out" | awk -v done=$(( after - before )) -v dry=$(( left == 0 && batch == 1 )) '
        /number of transactions actually processed/ { split($NF, t, "/"); n = t[1] }
        /^tps = / { tps = $3 }
        END { if (n > 0) printf "%.0f%s", tps * done / n, (dry ? "*" : "") }'
}

ceiling() { tr -d '*' < "$results/pgbench-b$1-c$2" 2>/dev/null || echo 0; }

pgbench_section() {
    echo "== ceiling: pgbench, claim+complete SQL (jobs/s, ${seconds}s per run) =="
    printf "%-8s" "batch"; for c in $clients_list; do printf "%10s" "c=$c"; done; echo
    for batch in 1 50; do
        printf "%-8s" "$batch"
        for c in $clients_list; do
            reset_queue "$jobs"
            r=$(run_pgbench "$batch" "$c" "$seconds")
            echo "$r" > "$results/pgbench-b$batch-c$c"
            printf "%10s" "$r"
        done
        echo
    done
}

bench_bin() {
    if [ -n "${BENCH_BIN:-}" ]; then echo "$BENCH_BIN"; return; fi
    swift build -c release --product queue-bench >&2
    echo .build/release/queue-bench
}

swift_section() {
    local bin; bin=$(bench_bin)
    echo "== Swift JobQueue draining $jobs pre-enqueued no-op jobs (batch 1: the first 15 s) =="
    printf "%-8s%-9s%12s%12s%8s\n" "batch" "workers" "jobs/s" "ceiling" "ratio"
    for batch in 1 50; do
        for w in $workers_list; do
            reset_queue "$jobs"
            # One at a time drains slowly: measure 15 s of it rather than the whole fill.
            r=$("$bin" drain --url "$url" --workers "$w" --batch "$batch" --jobs "$jobs" --quiet \
                --max-seconds "$( [ "$batch" = 1 ] && echo 15 || echo 3600 )")
            echo "$r" > "$results/swift-b$batch-w$w"
            [ -f "$results/pgbench-b$batch-c$w" ] || {
                reset_queue "$jobs"; run_pgbench "$batch" "$w" "$seconds" > "$results/pgbench-b$batch-c$w"; }
            c=$(ceiling "$batch" "$w")
            printf "%-8s%-9s%12s%12s%8s\n" "$batch" "$w" "$r" "$c" \
                "$(awk -v r="$r" -v c="$c" 'BEGIN { if (c > 0) printf "%.2f", r / c; else print "-" }')"
        done
    done
}

latency_section() {
    local bin; bin=$(bench_bin)
    echo "== enqueue commit -> claim latency, LISTEN wake-up, 4 workers, batch 1 =="
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    local full half
    full=$(cat "$results/swift-b1-w4" 2>/dev/null || echo 2000)
    half=$(( full / 2 ))
    "$bin" latency --url "$url" --workers 4 --rate "$half" --seconds 15
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    "$bin" latency --url "$url" --workers 4 --rate "$half" --seconds 15 --debounce-ms 100
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    "$bin" latency --url "$url" --workers 4 --rate 50 --seconds 10
}

pinned_section() {
    local bin pid; bin=$(bench_bin)
    echo "== sustained enqueue+drain ${pin_seconds}s, 4 workers, batch 50: no snapshot, then a REPEATABLE READ snapshot held throughout =="
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers" -c "VACUUM dicom_gw.jobs"
    echo "unpinned (${free_seconds}s):"
    "$bin" sustain --url "$url" --workers 4 --batch 50 --seconds "$free_seconds" | tee "$results/free"
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers" -c "VACUUM dicom_gw.jobs"
    pid=$(pin_snapshot $(( pin_seconds + 30 )))
    sleep 1
    echo "pinned:"
    "$bin" sustain --url "$url" --workers 4 --batch 50 --seconds "$pin_seconds" | tee "$results/pinned"
    unpin "$pid"
    awk '/^overall/ { o[FILENAME] = $2; l[FILENAME] = $6 }
         END { f = ARGV[1]; p = ARGV[2]
               printf "pinned/unpinned: overall %.2f, last window %.2f\n", o[p] / o[f], l[p] / l[f] }' \
        "$results/free" "$results/pinned"
    echo "pgbench (no claim hint), 4 clients, batch 50, same ${seconds}s run without and with a pin:"
    reset_queue "$jobs"
    free=$(run_pgbench 50 4 "$seconds")
    reset_queue "$jobs"
    pid=$(pin_snapshot 600)
    sleep 1
    pinned=$(run_pgbench 50 4 "$seconds")
    unpin "$pid"
    printf "pgbench  unpinned %8s jobs/s   pinned %8s jobs/s   ratio %s\n" "$free" "$pinned" \
        "$(awk -v a="$pinned" -v b="$free" 'BEGIN { printf "%.2f", a / b }')"
}

echo "PostgreSQL: $(sql -c "SHOW server_version"), fsync=$(sql -c "SHOW fsync"), synchronous_commit=$(sql -c "SHOW synchronous_commit"), $(nproc) cores"
case "$what" in
    pgbench) pgbench_section ;;
    swift) swift_section ;;
    latency) latency_section ;;
    pinned) pinned_section ;;
    all) pgbench_section; swift_section; latency_section; pinned_section ;;
    *) echo "usage: $0 [pgbench|swift|latency|pinned|all]" >&2; exit 2 ;;
esac
