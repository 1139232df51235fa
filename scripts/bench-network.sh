#!/usr/bin/env bash
# Network benchmark (not a test). COUNT objects of SIZE bytes are sent by /usr/bin/storescu over
# one association to our SCP (network-bench serve: DICOMServer with a handler writing Part 10
# files) and to /usr/bin/storescp (+B: bit-preserving file writing, the same work), alternately,
# ROUNDS times in the same run. Both advertise the same maximum PDU. Prints each run and the
# medians: objects/s, MB/s and the server's CPU seconds per GB, and our rate as a ratio of
# storescp's. Neither server fsyncs.
set -euo pipefail

COUNT=${COUNT:-500}
SIZE=${SIZE:-524288}
ROUNDS=${ROUNDS:-3}
PDU=${PDU:-16384}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench-out/network}
export TCP_NODELAY=1

cd "$ROOT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product network-bench >&2; fi
BIN="$(swift build -c release --show-bin-path)/network-bench"

rm -rf "$OUT"
mkdir -p "$OUT/in" "$OUT/recv"
"$BIN" generate "$OUT/in" "$COUNT" "$SIZE"
BYTES=$(du -cb "$OUT"/in/*.dcm | tail -1 | cut -f1)
CLK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }

SERVER_PID=
cleanup() { if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

# run NAME AETITLE COMMAND... : start the server, send everything once, print "name seconds cpu_seconds"
run() {
    local name=$1 aet=$2; shift 2
    rm -rf "$OUT/recv"; mkdir -p "$OUT/recv"
    local port; port=$(free_port)
    "$@" "$port" >/dev/null 2>"$OUT/$name.log" &
    SERVER_PID=$!
    wait_port "$port"
    local c0 t0 t1 c1
    c0=$(cpu_ticks "$SERVER_PID"); t0=$(now)
    /usr/bin/storescu -aec "$aet" -pdu "$PDU" 127.0.0.1 "$port" "$OUT"/in/*.dcm
    t1=$(now); c1=$(cpu_ticks "$SERVER_PID")
    local received; received=$(find "$OUT/recv" -type f | wc -l)
    # storescp ignores SIGTERM while idle.
    kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
    if [ "$received" -ne "$COUNT" ]; then echo "$name stored $received of $COUNT files" >&2; exit 1; fi
    echo "$name $(echo "$t1 - $t0" | bc -l) $(echo "($c1 - $c0) / $CLK" | bc -l)"
}

# exec: the background job's PID must be the server's own, for its CPU time.
ours()   { exec "$BIN" serve "$1" "$OUT/recv" "$PDU"; }
dcmtk()  { exec /usr/bin/storescp -aet STORESCP +B -pdu "$PDU" -od "$OUT/recv" "$1"; }

RESULTS="$OUT/results.txt"
: > "$RESULTS"
for _ in $(seq "$ROUNDS"); do
    run ours BENCH ours >> "$RESULTS"
    run storescp STORESCP dcmtk >> "$RESULTS"
done

awk -v count="$COUNT" -v size="$SIZE" -v bytes="$BYTES" -v pdu="$PDU" '
function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
{ n[$1]++; secs[$1, n[$1]] = $2; cpu[$1, n[$1]] = $3
  printf "run  %-8s %6.2f s  %7.1f obj/s  %6.1f MB/s  server CPU %5.2f s (%.2f s/GB)\n", $1, $2, count / $2, bytes / 1e6 / $2, $3, $3 / (bytes / 1e9) }
END {
  for (name in n) { for (i = 1; i <= n[name]; i++) { s[i] = secs[name, i]; c[i] = cpu[name, i] }
    ms[name] = median(s, n[name]); mc[name] = median(c, n[name]) }
  printf "\n%d objects, %.1f MB in all, max PDU %d, one association each run; medians of %d runs:\n", count, bytes / 1e6, pdu, n["ours"]
  for (name in n) printf "%-8s %7.1f obj/s  %6.1f MB/s  %.2f CPU s/GB\n", name, count / ms[name], bytes / 1e6 / ms[name], mc[name] / (bytes / 1e9)
  printf "ratio ours/storescp: rate %.2f", ms["storescp"] / ms["ours"]
  if (mc["storescp"] > 0) printf ", CPU per GB %.2f", mc["ours"] / mc["storescp"]
  printf "\n"
  rerun = "COUNT=" count " SIZE=" size " scripts/bench-network.sh"
  printf "BENCH-RESULT\tnetwork receive %d x %.1f MB, no fsync (objects/s)\t%.1f\t%.1f\t%.2f\treport\t%s\n", count, size / 1048576, count / ms["ours"], count / ms["storescp"], ms["storescp"] / ms["ours"], rerun
  if (mc["storescp"] > 0 && mc["ours"] > 0)
    printf "BENCH-RESULT\tnetwork receive CPU (s/GB, lower is better)\t%.2f\t%.2f\t%.2f\treport\t%s\n", mc["ours"] / (bytes / 1e9), mc["storescp"] / (bytes / 1e9), mc["ours"] / mc["storescp"], rerun
}' "$RESULTS"
