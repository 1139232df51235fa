#!/usr/bin/env bash
# Benchmark (not a test): parameterised single-row SELECT round trips per second on one
# connection, PostgresClient beside pgbench on the same SQL against the same server, in
# the same run, alternating to share the machine's noise. Prints both rates and the ratio.
#
#   scripts/bench-postgres.sh [SECONDS]     (default 10 per run, 3 rounds per mode)
#
# Database: $DICOM_GW_DATABASE_URL, else the dev database (started if needed, stopped after).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-10}
rounds=${BENCH_ROUNDS:-3}

pgbin=""
for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    [ -x "$d/pgbench" ] && { pgbin=$d; break; }
done
[ -n "$pgbin" ] || { echo "bench-postgres: pgbench not found (install postgresql-contrib or postgresql)" >&2; exit 1; }

started=0
url=${DICOM_GW_DATABASE_URL:-}
if [ -z "$url" ]; then
    if ! scripts/dev-db.sh status >/dev/null 2>&1; then
        DICOM_GW_DEV_DB_FAST=1 scripts/dev-db.sh start >/dev/null
        started=1
    fi
    url=$(scripts/dev-db.sh url)
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product postgres-bench >&2; fi
bench="$(swift build -c release --show-bin-path)/postgres-bench"

cleanup() {
    "$bench" cleanup "$url" || true
    rm -f "${script:-}"
    if [ "$started" = 1 ]; then scripts/dev-db.sh stop >/dev/null || true; fi
}
trap cleanup EXIT

"$bench" setup "$url"
script=$(mktemp)
cat > "$script" <<'SQL'
\set id random(1, 1000)
SELECT id, name FROM postgres_bench_rows WHERE id = :id;
SQL

# pgbench runs as the invoking user; as root the server's peer (socket) auth needs the
# URL's user, which pgbench takes from the URL.
pgbench_tps() {  # mode
    "$pgbin/pgbench" -n -c 1 -j 1 -T "$seconds" -M "$1" -f "$script" "$url" 2>/dev/null \
        | awk '/^tps = / { printf "%.0f\n", $3 }'
}

best() { sort -n | tail -1; }

for mode in prepared extended; do
    ours=(); theirs=()
    for _ in $(seq "$rounds"); do
        theirs+=("$(pgbench_tps "$mode")")
        ours+=("$("$bench" run "$url" "$seconds" "$mode")")
    done
    p=$(printf '%s\n' "${theirs[@]}" | best)
    o=$(printf '%s\n' "${ours[@]}" | best)
    ratio=$(awk -v o="$o" -v p="$p" 'BEGIN { printf "%.2f", o / p }')
    echo "mode=$mode  pgbench: ${theirs[*]} tps (best $p)  PostgresClient: ${ours[*]} q/s (best $o)  ratio: $ratio"
    printf 'BENCH-RESULT\tPostgresClient one-row SELECT, %s (queries/s)\t%s\t%s\t%s\treport\t%s\n' \
        "$mode" "$o" "$p" "$ratio" "scripts/bench-postgres.sh $seconds"
done
