#!/usr/bin/env bash
# Job queue benchmark: pgbench running the queue's own claim+complete SQL is the ceiling;
# the Swift JobQueue is reported beside it as a ratio. Not a test: figures only.
#
#   scripts/bench-queue.sh [pgbench|swift|latency|pinned|all|quick]   (default all)
#
# Besides the tables it prints one tab-separated line per figure for `make bench`:
#   BENCH-RESULT <figure> <ours> <peer> <ratio> <target> <rerun command>
# quick: the same figures on a small scale (20k jobs, 2 s pgbench runs, 5 s latency, 45 s
# pinned runs), a few minutes in all; their ratios are indicative only.
#
# Environment: BENCH_JOBS (200000), BENCH_SECONDS per pgbench run (5), BENCH_PIN_SECONDS
# (600: how long the snapshot is held, as the issue asks), BENCH_FREE_SECONDS (120: the
# unpinned run it is compared with; a steady state, it need not last as long), BENCH_CLIENTS
# ("1 2 4 8 16"), BENCH_WORKERS ("1 4 16"), BENCH_BATCHES ("1 10 50": claim sizes, for both),
# BENCH_DRAIN1_SECONDS (batch 1 drains, ours and the pgbench beside it: 15, or 3 under 100k jobs),
# BENCH_BIN (a queue-bench already built; default: swift build -c release), BENCH_DB_URL
# (default: a database dicom_gw_queue_bench on a private cluster under .data/pg-bench started by dev-db.sh,
# created and migrated here; stop it with DICOM_GW_DEV_DB_DIR=.data/pg-bench
# scripts/dev-db.sh stop). BENCH_DURABLE=1: fsync on (cluster .data/pg-bench-durable).
# BENCH_PIN_MAX_RUNNING=N: the pinned runs' lane is limited to N running jobs, as a
# forwarding destination's lane is (each claim then counts the lane's running jobs).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

what=${1:-all}
if [ "$what" = quick ]; then
    : "${BENCH_JOBS:=20000}" "${BENCH_SECONDS:=2}" "${BENCH_PIN_SECONDS:=45}" "${BENCH_CLIENTS:=1 4 16}"
    : "${BENCH_LATENCY_SECONDS:=5}" "${BENCH_DRAIN1_SECONDS:=5}"
fi
jobs=${BENCH_JOBS:-200000}
seconds=${BENCH_SECONDS:-5}
latency_seconds=${BENCH_LATENCY_SECONDS:-15}
# Batch 1 runs (ours and pgbench's) last this long; short enough that the fill does not run dry.
drain1_seconds=${BENCH_DRAIN1_SECONDS:-$(( jobs >= 100000 ? 15 : 3 ))}
pin_seconds=${BENCH_PIN_SECONDS:-600}
free_seconds=${BENCH_FREE_SECONDS:-$(( pin_seconds < 120 ? pin_seconds : 120 ))}
clients_list=${BENCH_CLIENTS:-"1 2 4 8 16"}
workers_list=${BENCH_WORKERS:-"1 4 16"}
batches=${BENCH_BATCHES:-"1 10 50"}
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
    # The job queue's migrations; the database is made again when they change.
    queue_migrations=(migrations/0002_job_queue.sql migrations/0007_job_queue_claim.sql
                      migrations/0012_job_fenced_by_primary_key.sql migrations/0013_job_lane_lease_floor.sql)
    sum=$(cat "${queue_migrations[@]}" | md5sum | cut -d' ' -f1)
    if [ "$(cat "$DICOM_GW_DEV_DB_DIR.schema" 2>/dev/null)" != "$sum" ]; then
        "$pgbin/psql" "$base" -Xqc "DROP DATABASE IF EXISTS dicom_gw_queue_bench" >/dev/null
    fi
    "$pgbin/psql" "$base" -XqtAc "SELECT 1 FROM pg_database WHERE datname = 'dicom_gw_queue_bench'" \
        | grep -q 1 || "$pgbin/psql" "$base" -Xqc "CREATE DATABASE dicom_gw_queue_bench"
    BENCH_DB_URL=${base/\/dicom_gw\?//dicom_gw_queue_bench?}
    "$pgbin/psql" "$BENCH_DB_URL" -XqtAc "SELECT to_regclass('dicom_gw.jobs')" | grep -q jobs || {
        "$pgbin/psql" "$BENCH_DB_URL" -Xq -v ON_ERROR_STOP=1 -c "CREATE SCHEMA IF NOT EXISTS dicom_gw"
        for f in "${queue_migrations[@]}"; do
            "$pgbin/psql" "$BENCH_DB_URL" -Xq -v ON_ERROR_STOP=1 -f "$f" >/dev/null
        done
        echo "$sum" > "$DICOM_GW_DEV_DB_DIR.schema"
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# BENCH-RESULT <figure> <ours> <peer> <target> <rerun>: the ratio is computed here.
result() {
    printf 'BENCH-RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4" "$5"
}

pgbench_section() {
    echo "== ceiling: pgbench, claim+complete SQL (jobs/s, ${seconds}s per run) =="
    printf "%-8s" "batch"; for c in $clients_list; do printf "%10s" "c=$c"; done; echo
    for batch in $batches; do
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
    echo "== Swift JobQueue draining $jobs pre-enqueued no-op jobs, pgbench on the same SQL run just before and after (batch 1: ${drain1_seconds} s each) =="
    printf "%-8s%-9s%12s%12s%8s\n" "batch" "workers" "jobs/s" "pgbench" "ratio"
    local before after r c
    for batch in $batches; do
        for w in $workers_list; do
            # The peer runs right before and right after ours, for as long (batch 1) or on the
            # same fill (larger batches), and the ratio is against the mean of the two: on a
            # shared machine the ceiling table above, minutes earlier, saw another load.
            reset_queue "$jobs"
            before=$(run_pgbench "$batch" "$w" "$drain1_seconds" | tr -d '*')
            reset_queue "$jobs"
            # One at a time drains slowly: measure the first seconds of it rather than the whole fill.
            r=$("$bin" drain --url "$url" --workers "$w" --batch "$batch" --jobs "$jobs" --quiet \
                --max-seconds "$( [ "$batch" = 1 ] && echo "$drain1_seconds" || echo 3600 )")
            reset_queue "$jobs"
            after=$(run_pgbench "$batch" "$w" "$drain1_seconds" | tr -d '*')
            c=$(awk -v a="${before:-0}" -v b="${after:-0}" 'BEGIN { printf "%.0f", (a + b) / 2 }')
            printf "%-8s%-9s%12s%12s%8s   (pgbench before %s, after %s)\n" "$batch" "$w" "$r" "$c" "$(ratio "$r" "$c")" \
                "$before" "$after"
            echo "$batch $w $r $c" >> "$results/swift-table"
        done
    done
    while read -r batch w r c; do
        result "queue drain, batch $batch, $w workers (jobs/s; peer: pgbench same SQL, $w clients)" "$r" "$c" \
            ">= 0.75" "BENCH_BATCHES=$batch BENCH_WORKERS=$w scripts/bench-queue.sh swift"
    done < "$results/swift-table"
}

latency_section() {
    local bin; bin=$(bench_bin)
    echo "== enqueue commit -> claim latency, LISTEN wake-up, 4 workers, batch 1 =="
    local full half
    # Full load: enqueuers (one job per transaction) as fast as they go while 4 workers claim
    # one at a time; the lesser of what went in and what was claimed. The queue-only drain
    # rate (swift section) overstates it: enqueuing costs the same two cores.
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    full=$("$bin" latency --url "$url" --workers 4 --rate 1000000 --seconds 5 --quiet \
        | awk '{ print ($3 < $4 ? $3 : $4) }')
    half=$(( full / 2 ))
    echo "full load (enqueue + claim + complete, 4 workers, batch 1): $full jobs/s; half: $half/s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    "$bin" latency --url "$url" --workers 4 --rate "$half" --seconds "$latency_seconds" | tee "$results/lat-half"
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers"
    "$bin" latency --url "$url" --workers 4 --rate 50 --seconds "$latency_seconds" | tee "$results/lat-light"
    local p50 p99 l50 l99
    read -r p50 p99 < <(sed -n 's/.*commit->claim p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$results/lat-half")
    read -r l50 l99 < <(sed -n 's/.*commit->claim p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$results/lat-light")
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    result "commit->claim p50 at half of full load, LISTEN (ms; peer: 50/s)" "$p50" "$l50" "-" \
        "scripts/bench-queue.sh latency"
    result "commit->claim p99 at half of full load, LISTEN (ms; peer: 50/s)" "$p99" "$l99" "<= 20 ms" \
        "scripts/bench-queue.sh latency"
}

pinned_section() {
    local bin pid; bin=$(bench_bin)
    echo "== sustained enqueue+drain ${pin_seconds}s, 4 workers, batch 50: no snapshot, then a REPEATABLE READ snapshot held throughout =="
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers" -c "VACUUM dicom_gw.jobs"
    echo "unpinned (${free_seconds}s):"
    "$bin" sustain --url "$url" --workers 4 --batch 50 --seconds "$free_seconds" ${BENCH_PIN_MAX_RUNNING:+--max-running "$BENCH_PIN_MAX_RUNNING"} | tee "$results/free"
    sql -c "TRUNCATE dicom_gw.jobs, dicom_gw.job_history, dicom_gw.job_workers" -c "VACUUM dicom_gw.jobs"
    pid=$(pin_snapshot $(( pin_seconds + 30 )))
    sleep 1
    echo "pinned:"
    "$bin" sustain --url "$url" --workers 4 --batch 50 --seconds "$pin_seconds" ${BENCH_PIN_MAX_RUNNING:+--max-running "$BENCH_PIN_MAX_RUNNING"} | tee "$results/pinned"
    unpin "$pid"
    awk '/^overall/ { o[FILENAME] = $2; l[FILENAME] = $6 }
         END { f = ARGV[1]; p = ARGV[2]
               printf "pinned/unpinned: overall %.2f, last window %.2f\n", o[p] / o[f], l[p] / l[f] }' \
        "$results/free" "$results/pinned"
    echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    local fo po fl pl
    fo=$(awk '/^overall/ { print $2 }' "$results/free"); po=$(awk '/^overall/ { print $2 }' "$results/pinned")
    fl=$(awk '/^overall/ { print $6 }' "$results/free"); pl=$(awk '/^overall/ { print $6 }' "$results/pinned")
    result "sustained jobs/s with a REPEATABLE READ snapshot held ${pin_seconds} s (peer: no snapshot)" "$po" "$fo" \
        ">= 0.8" "BENCH_PIN_SECONDS=${pin_seconds} scripts/bench-queue.sh pinned"
    result "jobs/s in the last 10 s of the ${pin_seconds} s pin (peer: no snapshot, last 10 s)" "$pl" "$fl" \
        ">= 0.8" "BENCH_PIN_SECONDS=${pin_seconds} scripts/bench-queue.sh pinned"
    [ "${BENCH_PIN_PGBENCH:-1}" = 1 ] || return 0
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
    quick) pgbench_section; swift_section; latency_section; BENCH_PIN_PGBENCH=0 pinned_section ;;
    *) echo "usage: $0 [pgbench|swift|latency|pinned|all|quick]" >&2; exit 2 ;;
esac
