#!/usr/bin/env bash
# The whole benchmark suite (`make bench`): every figure beside its peer measured in the same
# run, three runs each, medians, one table, written to docs/performance.md.
#
#   scripts/bench-all.sh
#
# Builds release, starts its own durable PostgreSQL (scripts/dev-db.sh with
# DICOM_GW_DEV_DB_DIR=.data/bench/pg, normal durability), generates the data under
# .data/bench/data once (kept for later runs), then runs each benchmark script BENCH_RUNS
# times (default 3) and gathers their `BENCH-RESULT` lines:
#   scripts/bench-ingest.sh all   storescu -> dicom-gw serve vs -> storescp (CT, 10 KB,
#                                 8 senders, peak RSS with the 500 MB instance)
#   scripts/bench-network.sh      the DICOM receive path alone (no fsync, no database)
#   scripts/bench-postgres.sh     PostgresClient round trips vs pgbench
#   scripts/bench-queue.sh all    JobQueue drain vs pgbench on the same SQL
#   scripts/bench-forward.sh      forward vs dcmsend, end to end
# A script that fails leaves its rows out (its log says why); the suite goes on.
#
# Environment: BENCH_QUICK=1 (one run, smaller data: a smoke test of a few minutes),
# BENCH_RUNS, BENCH_ONLY="ingest network" (a subset), BENCH_OUT (default docs/performance.md),
# BENCH_TIMEOUT (seconds one run of one script may take; 900 quick, 5400 otherwise).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then runs=${BENCH_RUNS:-1}; else runs=${BENCH_RUNS:-3}; fi
# Seconds one run of one script may take before it counts as failed.
if [ "$quick" = 1 ]; then limit=${BENCH_TIMEOUT:-900}; else limit=${BENCH_TIMEOUT:-5400}; fi
only=${BENCH_ONLY:-"ingest network postgres queue forward pinned"}
out=${BENCH_OUT:-docs/performance.md}
bench="$root/.data/bench"
logs="$bench/logs"
mkdir -p "$bench/data" "$logs"
rm -f "$logs"/*.log
export TCP_NODELAY=1
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== building (release) ==" >&2
swift build -c release --product dicom-gw >&2 || { echo "bench: build failed" >&2; exit 1; }
for pair in network:network-bench postgres:postgres-bench queue:queue-bench; do
    case " $only " in *" ${pair%%:*} "*)
        swift build -c release --product "${pair#*:}" >&2 || echo "bench: ${pair#*:} did not build" >&2 ;;
    esac
done
export BENCH_SKIP_BUILD=1

echo "== PostgreSQL (durable) under .data/bench/pg ==" >&2
export DICOM_GW_DEV_DB_DIR="$bench/pg"
unset DICOM_GW_DEV_DB_FAST
# dev-db.sh keeps the port it chose first; on a shared machine another cluster may hold it
# by now, so a stopped bench cluster chooses again.
scripts/dev-db.sh status >/dev/null 2>&1 || rm -f "$bench/pg.port"
scripts/dev-db.sh start >&2 || { echo "bench: could not start PostgreSQL" >&2; exit 1; }
db_url=$(scripts/dev-db.sh url)
cleanup() { DICOM_GW_DEV_DB_DIR="$bench/pg" scripts/dev-db.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
.build/release/dicom-gw migrate --database-url "$db_url" >&2 || { echo "bench: migrate failed" >&2; exit 1; }

# run NAME COMMAND...: runs one benchmark script BENCH_RUNS times, logs under .data/bench/logs.
run() {
    local name=$1 i n=${RUN_ONCE:+1}
    shift
    n=${n:-$runs}
    for ((i = 1; i <= n; i++)); do
        echo "== $name, run $i of $n: $* ==" >&2
        if timeout "$limit" "$@" > "$logs/$name-$i.log" 2>&1; then
            grep '^BENCH-RESULT' "$logs/$name-$i.log" | sed "s/^/$i\t/" >> "$logs/results.tsv"
            grep -v '^BENCH-RESULT' "$logs/$name-$i.log" | grep -v '^\[' | tail -12 >&2
        else
            echo "bench: $name run $i failed (see $logs/$name-$i.log):" >&2
            tail -5 "$logs/$name-$i.log" >&2
            # Rows printed before the failure still count.
            grep '^BENCH-RESULT' "$logs/$name-$i.log" | sed "s/^/$i\t/" >> "$logs/results.tsv"
        fi
    done
}
: > "$logs/results.tsv"

for name in $only; do
    case "$name" in
    ingest)
        BENCH_WORK="$bench/ingest" BENCH_DATA="$bench/data" BENCH_DB_URL="$db_url" BENCH_QUICK="$quick" \
            run ingest scripts/bench-ingest.sh all ;;
    network)
        if [ "$quick" = 1 ]; then
            COUNT=100 ROUNDS=1 BENCH_OUT="$bench/network" run network scripts/bench-network.sh
        else
            ROUNDS=1 BENCH_OUT="$bench/network" run network scripts/bench-network.sh
        fi ;;
    postgres)
        if [ "$quick" = 1 ]; then
            DICOM_GW_DATABASE_URL="$db_url" BENCH_ROUNDS=1 run postgres scripts/bench-postgres.sh 2
        else
            DICOM_GW_DATABASE_URL="$db_url" BENCH_ROUNDS=1 run postgres scripts/bench-postgres.sh 10
        fi ;;
    queue)
        # Drain (each figure beside pgbench measured just before and after it) and latency;
        # the pinned snapshot is its own entry, run once (it holds its snapshot 10 minutes).
        if [ "$quick" = 1 ]; then
            BENCH_BIN="$root/.build/release/queue-bench" BENCH_JOBS=20000 BENCH_SECONDS=2 \
                BENCH_CLIENTS="1 4" BENCH_WORKERS="1 4" run queue bash -c 'scripts/bench-queue.sh swift && scripts/bench-queue.sh latency'
        else
            BENCH_BIN="$root/.build/release/queue-bench" run queue bash -c 'scripts/bench-queue.sh swift && scripts/bench-queue.sh latency'
        fi ;;
    pinned)
        if [ "$quick" = 1 ]; then
            RUN_ONCE=1 BENCH_BIN="$root/.build/release/queue-bench" BENCH_JOBS=20000 BENCH_SECONDS=2 BENCH_PIN_SECONDS=10 \
                BENCH_FREE_SECONDS=10 BENCH_WORKERS="4" run pinned scripts/bench-queue.sh pinned
        else
            RUN_ONCE=1 BENCH_BIN="$root/.build/release/queue-bench" run pinned scripts/bench-queue.sh pinned
        fi ;;
    forward)
        # On the suite's own server (a fresh database per run), not a second cluster.
        if [ "$quick" = 1 ]; then BENCH_DB_URL="$db_url" run forward scripts/bench-forward.sh 100
        else BENCH_DB_URL="$db_url" run forward scripts/bench-forward.sh 500; fi ;;
    *) echo "bench: unknown benchmark '$name'" >&2 ;;
    esac
done

load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians per figure over the runs: ours, peer, and the ratio (the median of each run's own
# ratio, since ours and peer were measured side by side in that run).
table=$(awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (n == 0) return "-"
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$2 == "BENCH-RESULT" {
    f = $3
    if (!(f in seen)) { seen[f] = 1; order[++count] = f }
    ours[f] = ours[f] " " $4; peer[f] = peer[f] " " $5; ratio[f] = ratio[f] " " $6
    target[f] = $7; rerun[f] = $8; runs[f]++
}
END {
    for (k = 1; k <= count; k++) {
        f = order[k]
        printf "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", f, median(ours[f]), median(peer[f]), median(ratio[f]), target[f], runs[f], rerun[f]
    }
}' "$logs/results.tsv")

printf '\n%-58s %12s %12s %7s %-10s %s\n' figure ours peer ratio target runs
printf '%s\n' "$table" | awk -F'\t' 'NF > 1 { printf "%-58s %12s %12s %7s %-10s %s\n", $1, $2, $3, $4, $5, $6 }'

nproc=$(nproc)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
kernel=$(uname -r)
rootdev=$(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$root" | head -1)
disk=$(lsblk -d -n -o NAME,SIZE,ROTA,MODEL 2>/dev/null | head -3 | tr '\n' ';')
pgversion=$(scripts/dev-db.sh psql -XtAc 'SHOW server_version' 2>/dev/null || echo "?")
# Hand-written notes after the marker survive a rerun.
marker='<!-- notes: kept by scripts/bench-all.sh -->'
notes=""
if [ -f "$out" ] && grep -qF "$marker" "$out"; then notes=$(awk -v m="$marker" 'index($0, m) { p = 1 } p' "$out"); fi

{
    echo "# Performance"
    echo
    echo "Measured by \`make bench\` (scripts/bench-all.sh) on $started."
    if [ "$quick" = 1 ]; then echo; echo "**BENCH_QUICK=1: one run on reduced data, a smoke test, not the reference figures.**"; fi
    echo
    echo "Each figure is ours beside a peer measured in the same run on the same machine; the"
    echo "ratio is ours / peer (for memory: ours / peer's peak RSS). Medians of $runs run(s)."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $nproc cores ($cpu)"
    echo "- memory: $mem"
    echo "- kernel: Linux $kernel"
    echo "- disk: $rootdev; $disk"
    echo "- PostgreSQL $pgversion, durable (fsync on, synchronous_commit on), started by the suite"
    echo "- load average at start $load_start, at end $load_end (1, 5, 15 min)"
    if awk -v l="${load_start%% *}" -v n="$nproc" 'BEGIN { exit !(l > n / 2) }'; then
        echo "- **the machine was shared** with other builds and benchmarks while this ran: absolute"
        echo "  figures are low and noisy; the same-run ratios are the meaningful part"
    fi
    echo
    echo "## Results"
    echo
    echo "| figure | ours | peer | ratio | target | runs | rerun alone |"
    echo "|---|---:|---:|---:|---|---:|---|"
    printf '%s\n' "$table" | awk -F'\t' 'NF > 1 { printf "| %s | %s | %s | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5, $6, $7 }'
    echo
    echo "Peers: ingest and network: DCMTK \`storescp\` (ingest writes files without fsync;"
    echo "dicom-gw fsyncs each file and its directory and commits its rows before answering);"
    echo "postgres and queue: \`pgbench\` running the same SQL; forward: DCMTK \`dcmsend\`."
    echo
    echo "## Rerun"
    echo
    echo "- everything: \`make bench\` (about 45 minutes); smoke test: \`BENCH_QUICK=1 make bench\`"
    echo "- a subset: \`BENCH_ONLY=\"ingest network\" scripts/bench-all.sh\`"
    echo "- one row: the command in its last column (each script builds, starts what it needs,"
    echo "  and prints the same \`BENCH-RESULT\` line)"
    echo "- logs of the last run: \`.data/bench/logs/\`; see also docs/bench-ingest.md"
    if [ -n "$notes" ]; then echo; printf '%s\n' "$notes"; fi
} > "$out"
echo >&2
echo "written to $out (logs in $logs)" >&2
