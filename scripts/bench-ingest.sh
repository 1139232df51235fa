#!/usr/bin/env bash
# Ingest benchmark (not a test): dicom-gw serve against DCMTK storescp, same machine, same run.
#
#   scripts/bench-ingest.sh [ct|small|big|concurrent|all]     (default all)
#
#   ct          500 x 0.5 MB CT-like instances, one storescu association
#   small       5,000 x 10 KB instances, one association
#   big         one 500 MB instance: the peak RSS check (constant memory), receiving it, then
#               receiving and forwarding it to a second storescp (route + destination), beside
#               dcmsend sending the same file
#   concurrent  the CT series split over 8 storescu processes sending at once
#   floor       what durability alone costs here: the file's fsync, the move and the
#               directory's fsync (scripts/bench-fsync.py) and one commit (pgbench, one-row
#               INSERT), added to storescp's time per object: the rate of a receiver that
#               reads like storescp and then does those flushes one after the other (a
#               reference, not a bound: the gateway reads faster than storescp and overlaps
#               the commit's statements with the file's flushes)
#
# Each set goes to /usr/bin/storescp (writing files, no fsync; `--fork` for the concurrent
# set so it serves the 8 associations at once too) and then to dicom-gw serve (fsync of each
# file, rows + audit + routing in one transaction per instance, directory fsync, commit).
# The CT and 10 KB sets also go to a durable peer when Orthanc is installed (Debian's
# `orthanc` and `orthanc-postgresql`, installed by hand: docs/bench-ingest.md): Orthanc
# with its index in PostgreSQL (a database of its own on the same server) and
# SyncStorageArea on, i.e. an fsync per file and a commit per instance, like the gateway.
# Prints instances/s, MB/s, the ratio to storescp and each receiver's peak RSS, and one
# BENCH-RESULT line per figure (docs/performance.md, scripts/bench-all.sh).
#
# Nothing is deleted between timed runs: each receiver writes into a directory (and the
# gateway into a database) of its own, all removed at the end. ext4 without a journal, as
# on the benchmark VM, skips every inode freed in the last dirty_expire interval (30 s) when
# it allocates a new one (`recently_deleted`): creating files right after deleting the last
# run's cost up to three times as much, for storescp and the gateway alike, and made the
# figures swing with the order of the runs. The script waits that window out once, after
# whatever ran before it.
#
# Environment:
#   BENCH_WORK        work directory (default: a temp directory, removed afterwards)
#   BENCH_DATA        where the generated sets live (default BENCH_WORK); reused when present
#   BENCH_DB_URL      a migrated database to use (default: a private durable cluster under
#                     BENCH_WORK/pg, started and stopped here)
#   BENCH_SKIP_BUILD  1: reuse .build/release/dicom-gw
#   BENCH_QUICK       1: 100 CT, 1,000 small, one 50 MB instance
#   BENCH_PROFILE     1: the gateway logs per-object step times (trace level) to
#                     BENCH_WORK/gw-*.log; summarised by scripts/bench-ingest-timings.py
#   BENCH_KEEP        1: keep BENCH_WORK
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
what=${1:-all}
case "$what" in ct|small|big|concurrent|floor|all) ;; *) echo "usage: $0 [ct|small|big|concurrent|floor|all]" >&2; exit 2 ;; esac
work=${BENCH_WORK:-$(mktemp -d /tmp/dicom-gw-bench.XXXXXX)}
data=${BENCH_DATA:-$work}
mkdir -p "$work" "$data"
export TCP_NODELAY=1
cd "$root"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    ct_n=100; small_n=1000; big_bytes=52428800; big_label="50 MB"
else
    ct_n=500; small_n=5000; big_bytes=524288000; big_label="500 MB"
fi
senders=8

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --product dicom-gw >&2
fi
gw="$root/.build/release/dicom-gw"

gwpid=""; scppid=""; fwdpid=""; orthpid=""; started_db=0
cleanup() {
    if [ -n "$orthpid" ]; then kill -KILL "$orthpid" 2>/dev/null || true; fi
    if [ -n "$gwpid" ]; then pkill -KILL -P "$gwpid" 2>/dev/null || true; fi
    if [ -n "$fwdpid" ]; then kill -KILL "$fwdpid" 2>/dev/null || true; fi
    if [ -n "$scppid" ]; then pkill -KILL -P "$scppid" 2>/dev/null || true; fi
    drop_dbs
    if [ "$started_db" = 1 ]; then scripts/dev-db.sh stop >&2 || true; fi
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        # What the receivers wrote (a few GB per full run) goes even from a work directory
        # the caller keeps (bench-all.sh's .data/bench/ingest): only logs and timings stay.
        rm -rf "$work/out" "$work/split"
        if [ -z "${BENCH_WORK:-}" ]; then rm -rf "$work"; fi
    fi
}
trap cleanup EXIT

if [ -n "${BENCH_DB_URL:-}" ]; then
    db_url=$BENCH_DB_URL
else
    # A PostgreSQL of its own, durable (fsync on), so the gateway pays for real commits.
    export DICOM_GW_DEV_DB_DIR="$work/pg"
    unset DICOM_GW_DEV_DB_FAST
    scripts/dev-db.sh start >&2
    started_db=1
    db_url=$(scripts/dev-db.sh url)
fi
pgbin=""
for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do [ -x "$d/psql" ] && { pgbin=$d; break; }; done
[ -n "$pgbin" ] || { echo "bench-ingest: psql not found" >&2; exit 1; }

# Each gateway run gets a fresh, migrated database on the same server, so no set (and no
# rerun) finds the instances of another as duplicates; all are dropped at the end.
run_db=""
run_dbs=()
fresh_db() {
    run_db="bench_ingest_$$_$RANDOM"
    run_dbs+=("$run_db")
    "$pgbin/psql" "$db_url" -Xqc "CREATE DATABASE $run_db" >&2
    gw_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$db_url" "$run_db")
    "$gw" migrate --database-url "$gw_url" >/dev/null 2>&1
}
drop_dbs() {
    for d in "${run_dbs[@]}"; do "$pgbin/psql" "$db_url" -Xqc "DROP DATABASE IF EXISTS $d" >&2 || true; done
    run_dbs=()
}

# A fresh output directory per timed run (see the top): prints it.
fresh_dir() {  # $1 = name
    mkdir -p "$work/out"
    mktemp -d "$work/out/$1.XXXXXX"
}

# Waits out the window in which ext4 (without a journal) avoids reusing freed inodes, so
# deletions before this point do not slow the file creations measured after it.
settle() {
    local window
    window=$(( $(cat /proc/sys/vm/dirty_expire_centisecs 2>/dev/null || echo 3000) / 100 + 2 ))
    if [ "${BENCH_NO_SETTLE:-0}" != 1 ]; then
        echo "(waiting ${window} s for freed inodes to age: see the top of $0)" >&2
        sync; sleep "$window"
    fi
}

# generate NAME COUNT BYTES: a set of COUNT instances with BYTES of pixel data, made once.
generate() {
    local dir="$data/$1-$2x$3"
    # The marker sits beside the set: storescu +sd would try to send it.
    if [ ! -f "$dir.complete" ]; then
        echo "generating $2 instances of $3 bytes in $dir ..." >&2
        rm -rf "$dir"
        python3 scripts/bench-generate.py "$dir" "$2" "$3" >&2
        touch "$dir.complete"
    fi
    echo "$dir"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 400); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }
# Peak RSS in MB from a /usr/bin/time -v report.
peak_mb() { awk '/Maximum resident set size/ {printf "%.1f", $6/1024}' "$1"; }
# CPU seconds (user + system) from a /usr/bin/time -v report.
cpu_s() { awk '/User time|System time/ {s += $NF} END {printf "%.2f", s}' "$1"; }

start_scp() {  # $1 = output dir (new), $2 = extra options
    # Earlier writes are flushed before the clock starts, so neither receiver pays for
    # the other's writeback.
    sync
    port=$(free_port)
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$work/scp.time" /usr/bin/storescp $2 +xa -od "$1" "$port" >/dev/null 2>&1 &
    scppid=$!
    wait_port "$port"
}
# The recorded pids are /usr/bin/time's, which ignores SIGINT while its child runs and
# does not forward signals: signal the child (storescp does not stop on SIGINT or SIGTERM
# between associations, so it is killed; its files are written by then).
stop_scp() { pkill -KILL -P "$scppid" 2>/dev/null || true; wait "$scppid" 2>/dev/null || true; scppid=""; }

start_gw() {  # $1 = storage root (new), $2 = log name
    sync
    fresh_db
    if [ -n "${forward_port:-}" ]; then
        # One destination and a route taking everything: the gateway forwards what it stores.
        "$gw" destination add peer --ae-title FWDPEER --host 127.0.0.1 --port "$forward_port" \
            --database-url "$gw_url" --log-level warning >/dev/null
        "$gw" route add all --to peer --database-url "$gw_url" --log-level warning >/dev/null
    fi
    port=$(free_port)
    local level=warning
    if [ "${BENCH_PROFILE:-0}" = 1 ]; then level=trace; fi
    /usr/bin/time -v -o "$work/gw.time" "$gw" serve --database-url "$gw_url" --storage-root "$1" \
        --port "$port" --ae-title GATEWAY --host 127.0.0.1 --log-level "$level" 2>"$work/gw-$2.log" &
    gwpid=$!
    wait_port "$port"
}
stop_gw() { pkill -TERM -P "$gwpid" 2>/dev/null || true; wait "$gwpid" 2>/dev/null || true; gwpid=""; }

# send PORT DIR...: one storescu per DIR, all at once; prints seconds from the first start
# to the last end; fails unless every instance was acknowledged.
send() {
    local port=$1 t0 t1 i=0 failed=0 pids=()
    shift
    t0=$(now)
    for dir in "$@"; do
        /usr/bin/storescu -aet BENCH -aec GATEWAY -nh +sd 127.0.0.1 "$port" "$dir" 2>"$work/scu-$i.log" &
        pids+=($!)
        i=$((i + 1))
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    t1=$(now)
    for ((j = 0; j < i; j++)); do
        if grep -q "Store Failed\|Failure\|E: " "$work/scu-$j.log"; then
            echo "storescu $j: $(grep -m3 'Failed\|E: ' "$work/scu-$j.log")" >&2; failed=1
        fi
    done
    [ "$failed" = 0 ] || return 1
    echo "$t1 - $t0" | bc -l
}

# split DIR N: hard-links the set's files into N subdirectories, round robin; prints them.
split_set() {
    local out="$work/split"
    rm -rf "$out"
    for ((k = 0; k < $2; k++)); do mkdir -p "$out/$k"; done
    local k=0
    while IFS= read -r f; do
        ln "$f" "$out/$k/" 2>/dev/null || cp "$f" "$out/$k/"
        k=$(( (k + 1) % $2 ))
    done < <(find "$1" -name '*.dcm' | sort)
    for ((k = 0; k < $2; k++)); do echo "$out/$k"; done
}

# result FIGURE OURS PEER RATIO TARGET: the machine-readable line bench-all.sh gathers.
result() {
    printf 'BENCH-RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "scripts/bench-ingest.sh $6"
}

declare -A scp_rate=() gw_rate=()

# The durable peer: Orthanc with its index in PostgreSQL and an fsync per stored file.
orthanc_bin=/usr/sbin/Orthanc
orthanc_plugin=/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so
have_orthanc() { [ -x "$orthanc_bin" ] && [ -f "$orthanc_plugin" ]; }

# durable_peer KEY NAME DIR...: sends the set to Orthanc and prints the result line beside
# the gateway's rate for KEY (measured just before, in run_set).
durable_peer() {
    local key=$1 name=$2
    shift 2
    local dir odb oport hport count secs
    dir=$(fresh_dir "orthanc-$key")
    odb="bench_orthanc_$$_$RANDOM"
    run_dbs+=("$odb")
    "$pgbin/psql" "$db_url" -Xqc "CREATE DATABASE $odb" >&2
    oport=$(free_port); hport=$(free_port)
    python3 scripts/bench-orthanc-config.py "$db_url" "$odb" "$dir" "$oport" "$hport" >"$dir/orthanc.json"
    TCP_NODELAY=1 "$orthanc_bin" "$dir/orthanc.json" >"$work/orthanc-$key.log" 2>&1 &
    orthpid=$!
    wait_port "$oport"
    count=$(find "$@" -name '*.dcm' | wc -l)
    secs=$(send "$oport" "$@") || { echo "ERROR: Orthanc did not take the $key set; log: $work/orthanc-$key.log" >&2; secs=""; }
    kill -TERM "$orthpid" 2>/dev/null || true; wait "$orthpid" 2>/dev/null || true; orthpid=""
    [ -n "$secs" ] || return 0
    local peer
    peer=$(awk -v c="$count" -v s="$secs" 'BEGIN {printf "%.1f", c/s}')
    printf '%-26s Orthanc + PostgreSQL %7.1f inst/s | dicom-gw %7.1f inst/s | ratio %.2f\n' \
        "$name" "$peer" "${gw_rate[$key]}" "$(awk -v g="${gw_rate[$key]}" -v p="$peer" 'BEGIN {printf "%.2f", g/p}')"
    result "$name, beside a durable peer (objects/s; peer: Orthanc + PostgreSQL index, fsync per file)" "${gw_rate[$key]}" "$peer" \
        "$(awk -v g="${gw_rate[$key]}" -v p="$peer" 'BEGIN {printf "%.2f", g/p}')" "report" "$key"
}

# profile LOG: medians and 90th percentiles of the per-object step times the gateway logged
# (trace level): when each step ended, in ms since the C-STORE command arrived.
profile() {
    python3 - "$1" <<'PY'
import re, sys
steps = ["received", "hashed", "begun", "statements", "file_synced", "placed", "committed", "answered"]
values = {s: [] for s in steps}
for line in open(sys.argv[1], errors="replace"):
    if "store timings" not in line:
        continue
    for s in steps:
        m = re.search(r"store\.%s_ms=([0-9.]+)" % s, line)
        if m:
            values[s].append(float(m.group(1)))
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")
print("  step ends (ms after the command), %d objects:" % len(values["answered"]))
for s in steps:
    print("    %-12s median %7.3f  p90 %7.3f" % (s, pct(values[s], 0.5), pct(values[s], 0.9)))
PY
}

# run_set KEY NAME TARGET SCP_OPTIONS DIR...
run_set() {
    local key=$1 name=$2 target=$3 scp_opts=$4
    shift 4
    local count bytes scp_s gw_s scp_rss gw_rss scp_cpu gw_cpu stored
    count=$(find "$@" -name '*.dcm' | wc -l)
    bytes=$(find "$@" -name '*.dcm' -printf '%s\n' | awk '{s += $1} END {print s}')
    local gw_root
    start_scp "$(fresh_dir "scp-$key")" "$scp_opts"; scp_s=$(send "$port" "$@"); stop_scp
    scp_rss=$(peak_mb "$work/scp.time"); scp_cpu=$(cpu_s "$work/scp.time")
    gw_root=$(fresh_dir "gw-$key")
    start_gw "$gw_root" "$key"; gw_s=$(send "$port" "$@"); stop_gw
    gw_rss=$(peak_mb "$work/gw.time"); gw_cpu=$(cpu_s "$work/gw.time")
    if [ "${BENCH_PROFILE:-0}" = 1 ]; then profile "$work/gw-$key.log"; fi
    stored=$(find "$gw_root/storage/studies" -name '*.dcm' | wc -l)
    [ "$stored" -eq "$count" ] || { echo "ERROR: dicom-gw stored $stored of $count" >&2; return 1; }
    awk -v n="$name" -v c="$count" -v b="$bytes" -v s="$scp_s" -v g="$gw_s" -v sr="$scp_rss" -v gr="$gw_rss" \
        -v sc="$scp_cpu" -v gc="$gw_cpu" 'BEGIN {
        printf "%-26s storescp %7.1f inst/s %6.1f MB/s (RSS %s MB, CPU %.2f s) | dicom-gw %7.1f inst/s %6.1f MB/s (RSS %s MB, CPU %.2f s) | ratio %.2f\n",
            n, c/s, b/s/1048576, sr, sc, c/g, b/g/1048576, gr, gc, s/g }'
    if [ "$key" = big ]; then
        result "peak RSS receiving one $big_label instance (MB)" "$gw_rss" "$scp_rss" \
            "$(awk -v g="$gw_rss" -v s="$scp_rss" 'BEGIN {printf "%.2f", g/s}')" "<= 64 MB" big
    else
        scp_rate[$key]=$(awk -v c="$count" -v s="$scp_s" 'BEGIN {printf "%.1f", c/s}')
        gw_rate[$key]=$(awk -v c="$count" -v g="$gw_s" 'BEGIN {printf "%.1f", c/g}')
        result "$name (objects/s)" "$(awk -v c="$count" -v g="$gw_s" 'BEGIN {printf "%.1f", c/g}')" \
            "$(awk -v c="$count" -v s="$scp_s" 'BEGIN {printf "%.1f", c/s}')" \
            "$(awk -v s="$scp_s" -v g="$gw_s" 'BEGIN {printf "%.2f", s/g}')" "$target" "$key"
    fi
}

echo "== ingest: storescp writes files; dicom-gw fsyncs + commits rows per instance =="
# Generated sets first, so no timed run follows their writing.
if [ "$what" = ct ] || [ "$what" = concurrent ] || [ "$what" = all ]; then generate ct "$ct_n" 524288 >/dev/null; fi
if [ "$what" = small ] || [ "$what" = all ]; then generate small "$small_n" 10240 >/dev/null; fi
if [ "$what" = big ] || [ "$what" = all ]; then generate big 1 "$big_bytes" >/dev/null; fi
settle
if [ "$what" = ct ] || [ "$what" = all ]; then
    run_set ct "ingest CT $ct_n x 0.5 MB" ">= 0.9" "" "$(generate ct "$ct_n" 524288)"
    if have_orthanc; then durable_peer ct "ingest CT $ct_n x 0.5 MB" "$(generate ct "$ct_n" 524288)"; fi
fi
if [ "$what" = small ] || [ "$what" = all ]; then
    run_set small "ingest $small_n x 10 KB" ">= 0.7" "" "$(generate small "$small_n" 10240)"
    if have_orthanc; then durable_peer small "ingest $small_n x 10 KB" "$(generate small "$small_n" 10240)"; fi
fi
if [ "$what" = concurrent ] || [ "$what" = all ]; then
    mapfile -t parts < <(split_set "$(generate ct "$ct_n" 524288)" "$senders")
    run_set concurrent "ingest CT, $senders senders at once" "report" "--fork" "${parts[@]}"
fi
if [ "$what" = big ] || [ "$what" = all ]; then
    big_set=$(generate big 1 "$big_bytes")
    run_set big "one $big_label instance" "" "" "$big_set"
    echo "(peak RSS is the whole process over its run; the big instance is the constant-memory check: target <= 64 MB)"

    # Receiving and forwarding it: the gateway stores it and its worker sends it on to a
    # second storescp; the peer is dcmsend sending the same file there.
    fwd_dir=$(fresh_dir fwd-peer)
    forward_port=$(free_port)
    /usr/bin/storescp -aet FWDPEER +xa -od "$fwd_dir" "$forward_port" >/dev/null 2>&1 &
    fwdpid=$!
    wait_port "$forward_port"
    /usr/bin/time -v -o "$work/dcmsend.time" /usr/bin/dcmsend -aet BENCH -aec FWDPEER -nuc +sd 127.0.0.1 "$forward_port" "$big_set" \
        >"$work/dcmsend-big.log" 2>&1 || { echo "dcmsend failed: $(tail -3 "$work/dcmsend-big.log")" >&2; }
    start_gw "$(fresh_dir gw-bigforward)" bigforward
    t0=$(now)
    send "$port" "$big_set" >/dev/null
    # Bounded wait for the delivery (recorded once storescp answered the C-STORE).
    delivered() { "$pgbin/psql" "$gw_url" -XAtqc "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'"; }
    for _ in $(seq 1 1200); do
        [ "$(delivered)" -ge 1 ] && break
        sleep 0.25
    done
    t1=$(now)
    forwarded=$(delivered)
    stop_gw
    kill -KILL "$fwdpid" 2>/dev/null || true; wait "$fwdpid" 2>/dev/null || true
    forward_port=""
    if [ "$forwarded" -ge 1 ]; then
        gw_rss=$(peak_mb "$work/gw.time"); send_rss=$(peak_mb "$work/dcmsend.time")
        printf 'receive + forward one %s instance: %.1f s, dicom-gw peak RSS %s MB | dcmsend sending it: %s MB\n' \
            "$big_label" "$(echo "$t1 - $t0" | bc -l)" "$gw_rss" "$send_rss"
        result "peak RSS receiving and forwarding one $big_label instance (MB; peer: dcmsend sending it)" "$gw_rss" "$send_rss" \
            "$(awk -v g="$gw_rss" -v s="$send_rss" 'BEGIN {printf "%.2f", g/s}')" "<= 64 MB" big
    else
        echo "ERROR: the gateway did not forward the $big_label instance; log: $work/gw-bigforward.log" >&2
    fi
fi
if [ "$what" = floor ] || [ "$what" = all ]; then
    pgbin=""
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do [ -x "$d/pgbench" ] && { pgbin=$d; break; }; done
    commit_ms=""
    if [ -n "$pgbin" ]; then
        "$pgbin/psql" "$db_url" -Xqc "CREATE TABLE IF NOT EXISTS public.bench_commit (x int)" >&2
        echo "INSERT INTO public.bench_commit VALUES (1);" > "$work/commit.sql"
        tps=$("$pgbin/pgbench" -n -c 1 -j 1 -T 5 -f "$work/commit.sql" "$db_url" 2>/dev/null | awk '/^tps = / {print $3}')
        "$pgbin/psql" "$db_url" -Xqc "DROP TABLE public.bench_commit" >&2
        commit_ms=$(awk -v t="$tps" 'BEGIN {printf "%.3f", 1000 / t}')
        echo "one-row INSERT + commit (pgbench, durable): $tps tps = $commit_ms ms each"
    fi
    # floor KEY NAME SIZE COUNT: storescp's time per object plus fsync, move, directory fsync
    # and a commit, done one after the other as the order of the receive path requires.
    floor() {
        local line write_ms durable_ms scp
        # (not `tee /dev/stderr`: reopening a redirected stderr truncates the caller's log)
        settle
        line=$(python3 scripts/bench-fsync.py "$work/fsync" "$3" "$4")
        printf '%s\n' "$line" >&2
        line=$(grep '^FSYNC-MS' <<< "$line")
        write_ms=$(cut -f2 <<< "$line"); durable_ms=$(cut -f4 <<< "$line")
        scp=${scp_rate[$1]:-}
        if [ -z "$scp" ] || [ -z "$commit_ms" ]; then echo "(no storescp rate or commit time for $1: run 'all')"; return; fi
        awk -v n="$2" -v s="$scp" -v w="$write_ms" -v d="$durable_ms" -v c="$commit_ms" -v k="$1" 'BEGIN {
            f = 1000 / (1000 / s - 0 + (d - w) + c)
            printf "%s: storescp %.1f/s = %.3f ms; + fsync, move, dir fsync %.3f ms + commit %.3f ms => at most %.1f/s (ratio %.2f)\n", n, s, 1000 / s, d - w, c, f, f / s
            printf "BENCH-RESULT\tdurability floor, %s (objects/s)\t%.1f\t%.1f\t%.2f\treference\tscripts/bench-ingest.sh all\n", n, f, s, f / s
        }'
    }
    floor ct "CT 0.5 MB" 524288 200
    floor small "10 KB" 10240 1000
fi
