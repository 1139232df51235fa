#!/usr/bin/env bash
# Retention for the dicom-gw storage tree (docs/storage-layout.md), run weekly by
# dicom-gw-cleanup.timer. A wrapper over `dicom-gw storage cleanup`, which removes each
# expired file together with its row (the row stays, state 'deleted') and audits it:
#
#   cleanup-storage.sh [--root DIR] [--config FILE] [--tmp-days N] [--failed-days N]
#                      [--forwarded-days N] [--dry-run] [--json]
#
# Defaults: tmp/, incoming/, queue/ 7 days; failed/ 90 days; forwarded/ 365 days, or
# retention.tmp_days, retention.failed_days, retention.forwarded_days from the
# configuration file (default /etc/dicom-gw/dicom-gw.yaml when it exists) or the
# DICOM_GW_RETENTION_TMP_DAYS, ..._FAILED_DAYS, ..._FORWARDED_DAYS variables. The root
# comes from --root, DICOM_GW_ROOT, then storage.root; the database from the configuration
# (DICOM_GW_DATABASE_URL). --dry-run lists what would go and changes nothing.
# DICOM_GW_BIN names the dicom-gw binary (default: dicom-gw on PATH).
# Exit status: 0 all expired files removed, 1 some could not be, 2 an error.
set -euo pipefail

config=${DICOM_GW_CONFIG:-/etc/dicom-gw/dicom-gw.yaml}
config_given=0
root=${DICOM_GW_ROOT:-}
args=()

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=${2:?}; shift 2 ;;
        --config) config=${2:?}; config_given=1; shift 2 ;;
        --tmp-days|--failed-days|--forwarded-days)
            case "${2:-}" in ''|*[!0-9]*) echo "cleanup-storage: $1 needs a number of days" >&2; exit 2 ;; esac
            args+=("$1" "$2"); shift 2 ;;
        --dry-run|--json) args+=("$1"); shift ;;
        -h|--help) usage 0 ;;
        *) echo "cleanup-storage: unknown option $1" >&2; usage 2 ;;
    esac
done

dicom_gw=${DICOM_GW_BIN:-$(command -v dicom-gw || echo /usr/bin/dicom-gw)}
if [ ! -x "$dicom_gw" ]; then
    echo "cleanup-storage: dicom-gw binary not found (set DICOM_GW_BIN)" >&2
    exit 2
fi

options=()
if [ -f "$config" ]; then
    options+=(--config "$config")
elif [ "$config_given" = 1 ]; then
    echo "cleanup-storage: configuration file $config not found" >&2
    exit 2
fi
[ -n "$root" ] && options+=(--storage-root "$root")

exec "$dicom_gw" storage cleanup "${options[@]}" "${args[@]}"
