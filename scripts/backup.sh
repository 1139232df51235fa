#!/usr/bin/env bash
# Backs up a dicom-gw installation into a new directory (docs/backup-restore.md):
#
#   backup.sh --output DIR [--database-url URL] [--config-dir /etc/dicom-gw]
#             [--root /var/lib/dicom-gw] [--with-storage]
#
# Writes DIR/dicom_gw.dump (pg_dump -Fc of the dicom_gw schema), DIR/config.tar.gz (the
# configuration directory with its TLS material), with --with-storage DIR/storage.tar (the
# tree: storage/, forwarded/, failed/), and DIR/MANIFEST (format, date, gateway and schema
# versions, then the SHA-256 of each file). Every file is mode 0600, DIR 0700; DIR must not
# exist or be empty.
#
# The database URL comes, first match wins, from --database-url, DICOM_GW_DATABASE_URL,
# CONFIG_DIR/dicom-gw.env, database.url in CONFIG_DIR/dicom-gw.yaml, then
# postgresql:///dicom_gw, as for the gateway. The root likewise from --root,
# DICOM_GW_ROOT, DICOM_GW_STORAGE_ROOT, storage.root, then /var/lib/dicom-gw.
# The database is dumped before the tree is read: a gateway receiving meanwhile leaves
# files without rows in the copy, which `dicom-gw storage verify --repair` indexes.
set -euo pipefail

output=""
database_url=""
config_dir=${DICOM_GW_CONFIG_DIR:-/etc/dicom-gw}
root=""
with_storage=0

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

die() {
    echo "backup: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --output) output=${2:?}; shift 2 ;;
        --database-url) database_url=${2:?}; shift 2 ;;
        --config-dir) config_dir=${2:?}; shift 2 ;;
        --root) root=${2:?}; shift 2 ;;
        --with-storage) with_storage=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "backup: unknown option $1" >&2; usage 2 ;;
    esac
done
[ -n "$output" ] || { echo "backup: --output DIR is required" >&2; usage 2; }

# shellcheck source=scripts/backup-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"
resolve_database_url
resolve_root

command -v pg_dump >/dev/null || die "pg_dump not found (install the PostgreSQL client)"
command -v psql >/dev/null || die "psql not found (install the PostgreSQL client)"
[ -d "$config_dir" ] || die "configuration directory $config_dir does not exist"
if [ "$with_storage" = 1 ]; then
    [ -d "$root/storage" ] || die "$root/storage does not exist (is --root right?)"
fi
if [ -e "$output" ] && [ -n "$(ls -A "$output" 2>/dev/null)" ]; then
    die "$output is not empty: choose a new directory"
fi

umask 077
mkdir -p "$output"
chmod 0700 "$output"

schema_version=$(psql "$database_url" -X -A -t -v ON_ERROR_STOP=1 \
    -c "SELECT coalesce(max(version), 0) FROM dicom_gw.schema_migrations" 2>/dev/null) \
    || die "cannot read dicom_gw.schema_migrations at the database (is the URL right, is it migrated?)"

gateway_version=${DICOM_GW_VERSION:-}
if [ -z "$gateway_version" ] && command -v rpm >/dev/null 2>&1; then
    gateway_version=$(rpm -q --qf '%{VERSION}-%{RELEASE}' dicom-gw 2>/dev/null || true)
    case "$gateway_version" in *"not installed"*) gateway_version="" ;; esac
fi
if [ -z "$gateway_version" ]; then
    source_tree=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    gateway_version=$(git -C "$source_tree" describe --always --dirty 2>/dev/null || echo unknown)
fi

echo "backup: database (schema dicom_gw, version $schema_version)"
pg_dump --format=custom --schema=dicom_gw --file="$output/dicom_gw.dump" "$database_url"

echo "backup: configuration from $config_dir"
tar -czf "$output/config.tar.gz" -C "$config_dir" .

if [ "$with_storage" = 1 ]; then
    areas=()
    for area in storage forwarded failed; do
        [ -d "$root/$area" ] && areas+=("$area")
    done
    echo "backup: storage tree from $root (${areas[*]})"
    tar -cf "$output/storage.tar" -C "$root" "${areas[@]}"
fi

{
    echo "dicom-gw-backup 1"
    echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "gateway_version $gateway_version"
    echo "schema_version $schema_version"
    echo "with_storage $([ "$with_storage" = 1 ] && echo yes || echo no)"
    for file in dicom_gw.dump config.tar.gz storage.tar; do
        [ -f "$output/$file" ] || continue
        echo "sha256 $(sha256sum "$output/$file" | cut -d ' ' -f 1) $file"
    done
} > "$output/MANIFEST"
chmod 0600 "$output"/*

echo "backup: written to $output"
cat "$output/MANIFEST"
