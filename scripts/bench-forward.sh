#!/usr/bin/env bash
# Forwarding benchmark (not a test): figures printed beside /usr/bin/dcmsend measured in
# the same run, as ratios.
#
#   scripts/bench-forward.sh [N=500] [debug|release]
#
# (a) replay: N × 0.5 MB objects already stored, re-sent by `dicom-gw worker` to storescp,
#     vs dcmsend sending the same files straight to storescp;        target >= 0.9
# (b) end to end: storescu -> dicom-gw serve (route, in-process workers) -> storescp, from
#     the first send to the last arrival, vs dcmsend;                 target >= 0.5
# (c) receive -> forward latency of single objects on an idle gateway (p50, p99; from
#     instances.received_at to deliveries.delivered_at);             target p50 < 100 ms
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
config=${2:-release}
cd "$root"
export TCP_NODELAY=1

swift build -c "$config" --product dicom-gw >/dev/null
bin="$root/.build/$config/dicom-gw"
scripts/dev-db.sh start >/dev/null
server_url=$(scripts/dev-db.sh url)
db="bench_fwd_$$"
scripts/dev-db.sh psql -qc "CREATE DATABASE $db" >/dev/null
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/'+sys.argv[2])))" "$server_url" "$db")
work=$(mktemp -d /tmp/bench-forward.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    scripts/dev-db.sh psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export DICOM_GW_DATABASE_URL="$url" DICOM_GW_STORAGE_ROOT="$work/root" DICOM_GW_LOG_LEVEL=warning
"$bin" migrate >/dev/null

# N Secondary Capture objects of 512 x 512 x 16 bit (0.5 MB of pixels), one study.
python3 - "$work/src" "$n" <<'PY'
import os, struct, sys, random
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
def el(tag, vr, value):
    g, e = tag
    if isinstance(value, str):
        value = value.encode()
        if len(value) % 2: value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", g, e, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", g, e, vr.encode(), len(value)) + value
study = "2.25.%d" % random.getrandbits(100)
pixels = os.urandom(512 * 512 * 2)
for i in range(n):
    sop = "2.25.%d" % random.getrandbits(100)
    ds = b"".join([
        el((0x0008, 0x0016), "UI", "1.2.840.10008.5.1.4.1.1.7"), el((0x0008, 0x0018), "UI", sop),
        el((0x0008, 0x0060), "CS", "OT"), el((0x0010, 0x0010), "PN", "BENCH^FORWARD"), el((0x0010, 0x0020), "LO", "BENCH"),
        el((0x0020, 0x000D), "UI", study), el((0x0020, 0x000E), "UI", study + ".1"), el((0x0020, 0x0013), "IS", str(i + 1)),
        el((0x0028, 0x0002), "US", struct.pack("<H", 1)), el((0x0028, 0x0004), "CS", "MONOCHROME2"),
        el((0x0028, 0x0010), "US", struct.pack("<H", 512)), el((0x0028, 0x0011), "US", struct.pack("<H", 512)),
        el((0x0028, 0x0100), "US", struct.pack("<H", 16)), el((0x0028, 0x0101), "US", struct.pack("<H", 16)),
        el((0x0028, 0x0102), "US", struct.pack("<H", 15)), el((0x0028, 0x0103), "US", struct.pack("<H", 0)),
        el((0x7FE0, 0x0010), "OW", pixels)])
    meta = b"".join([el((0x0002, 0x0001), "OB", b"\0\1"), el((0x0002, 0x0002), "UI", "1.2.840.10008.5.1.4.1.1.7"),
                     el((0x0002, 0x0003), "UI", sop), el((0x0002, 0x0010), "UI", "1.2.840.10008.1.2.1"),
                     el((0x0002, 0x0012), "UI", "1.2.826.0.1.3680043.10.1")])
    meta = el((0x0002, 0x0000), "UL", struct.pack("<I", len(meta))) + meta
    open(os.path.join(out, "%05d.dcm" % i), "wb").write(b"\0" * 128 + b"DICM" + meta + ds)
print(study)
PY
study=$(/usr/bin/dcmdump +P 0020,000d "$work/src/00000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
wait_for() { # count-query target timeout
    local deadline=$(( $(date +%s) + $3 ))
    while [ "$(psql "$url" -Atc "$1")" -lt "$2" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for $2 ($1)" >&2; return 1; }
        sleep 0.05
    done
}
q() { psql "$url" -Atc "$1"; }

scp_port=$(free_port)
mkdir -p "$work/peer"
/usr/bin/storescp -aet STORESCP +xa -od "$work/peer" "$scp_port" & pids+=($!)
sleep 0.5

# Baseline: dcmsend straight to storescp.
t0=$(now); /usr/bin/dcmsend -aet BENCH -aec STORESCP 127.0.0.1 "$scp_port" "$work/src" --scan-directories -nuc >/dev/null 2>&1; t1=$(now)
dcmsend_rate=$(python3 -c "print($n/($t1-$t0))")
rm -f "$work/peer"/*

# Store everything first (no route), then (a) replay with a worker.
gw_port=$(free_port)
"$bin" serve --port "$gw_port" --host 127.0.0.1 --ae-title DICOM_GW & pids+=($!)
sleep 1.5
"$bin" destination add peer --ae-title STORESCP --host 127.0.0.1 --port "$scp_port" --max-associations 1 --max-objects 500 >/dev/null
/usr/bin/storescu -aet BENCH -aec DICOM_GW 127.0.0.1 "$gw_port" "$work/src"/*.dcm >/dev/null 2>&1
stored=$(q "SELECT count(*) FROM dicom_gw.instances")
q "INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state, settled) SELECT i.id, d.id, 'delivered', true FROM dicom_gw.instances i, dicom_gw.destinations d" >/dev/null
t0=$(now)
"$bin" replay --study "$study" >/dev/null
wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered' AND delivered_at IS NOT NULL AND delivered_at > to_timestamp($t0)" "$n" 600
t1=$(now)
replay_rate=$(python3 -c "print($n/($t1-$t0))")

# (b) end to end: a route, then send the same objects again under new UIDs would be needed;
# simplest faithful variant: a fresh study of N objects received and forwarded at once.
"$bin" route add all --to peer >/dev/null
rm -rf "$work/src2"
cp -r "$work/src" "$work/src2"
/usr/bin/dcmodify -nb -gin -m "(0020,000d)=2.25.$RANDOM$RANDOM" "$work/src2"/*.dcm >/dev/null 2>&1
rm -f "$work/peer"/*
before=$(q "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'")
t0=$(now)
/usr/bin/storescu -aet BENCH -aec DICOM_GW 127.0.0.1 "$gw_port" "$work/src2"/*.dcm >/dev/null 2>&1
wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$((before + n))" 600
t1=$(now)
e2e_rate=$(python3 -c "print($n/($t1-$t0))")

# (c) latency: single objects, one at a time, on the idle gateway.
mkdir -p "$work/single"
for i in $(seq 1 50); do
    cp "$work/src/00000.dcm" "$work/single/$i.dcm"
done
/usr/bin/dcmodify -nb -gin -m "(0020,000d)=2.25.$RANDOM$RANDOM$RANDOM" "$work/single"/*.dcm >/dev/null 2>&1
for f in "$work/single"/*.dcm; do
    before=$(q "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'")
    /usr/bin/storescu -aet BENCH -aec DICOM_GW 127.0.0.1 "$gw_port" "$f" >/dev/null 2>&1
    wait_for "SELECT count(*) FROM dicom_gw.deliveries WHERE state = 'delivered'" "$((before + 1))" 30
    sleep 0.2
done
lat=$(q "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
         FROM (SELECT extract(epoch FROM d.delivered_at - i.received_at) * 1000 AS ms
               FROM dicom_gw.deliveries d JOIN dicom_gw.instances i ON i.id = d.instance_id
               JOIN dicom_gw.studies s ON s.id = i.study_id
               ORDER BY d.delivered_at DESC LIMIT 50) t")

printf 'objects: %d x %s bytes (stored %s), build %s\n' "$n" "$(stat -c %s "$work/src/00000.dcm")" "$stored" "$config"
printf 'dcmsend -> storescp:              %8.1f objects/s\n' "$dcmsend_rate"
printf '(a) replay (worker -> storescp):   %8.1f objects/s  ratio %.2f (target >= 0.9)\n' "$replay_rate" "$(python3 -c "print($replay_rate/$dcmsend_rate)")"
printf '(b) receive + forward end to end:  %8.1f objects/s  ratio %.2f (target >= 0.5)\n' "$e2e_rate" "$(python3 -c "print($e2e_rate/$dcmsend_rate)")"
printf '(c) receive -> forward latency ms: p50 %s  p99 %s (target p50 < 100)\n' "${lat% *}" "${lat#* }"
