#!/usr/bin/env bash
# Builds the DICOM reader fuzz target with libFuzzer and runs it for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags…]     (default 60 s)
#
# The target compiles the DICOM module's sources together with Fuzz/DICOMFuzz/main.swift
# (swiftc -sanitize=fuzzer,address), seeds its corpus from the shared test corpus, and
# exits non-zero on any crash, sanitizer report, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
out=.build/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
corpus_root="${DICOM_GW_CORPUS:-../shared/corpus}"
if [ -d "$corpus_root/pydicom" ]; then
    cp -n "$corpus_root"/pydicom/*.dcm "$out/corpus/" 2>/dev/null || true
fi
mapfile -t sources < <(find Sources/DICOM -name '*.swift' | sort)
if [ ! -x "$out/dicom-fuzz" ] || [ -n "$(find Sources/DICOM Fuzz/DICOMFuzz -newer "$out/dicom-fuzz" -name '*.swift' | head -1)" ]; then
    echo "building $out/dicom-fuzz"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -module-name DICOMFuzz -swift-version 6 \
        -I Sources/CZlib -lz \
        "${sources[@]}" Fuzz/DICOMFuzz/main.swift -o "$out/dicom-fuzz"
fi
"$out/dicom-fuzz" "$out/corpus" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"
