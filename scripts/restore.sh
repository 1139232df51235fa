#!/usr/bin/env bash
# Restores a backup written by backup.sh (docs/backup-restore.md):
#
#   restore.sh --input DIR [--database-url URL] [--config-dir DIR] [--root DIR] [--force]
#
# 1. checks DIR/MANIFEST: its format and the SHA-256 of every file it lists;
# 2. refuses a database whose dicom_gw schema has any table, or a storage root holding any
#    file under storage/, forwarded/ or failed/, unless --force: then the schema is dropped
#    and (when the backup holds the tree) those directories are moved aside to
#    ROOT/pre-restore-DATE/ (kept until removed by hand: retention never touches it);
# 3. unpacks config.tar.gz into the configuration directory (a file it replaces is kept as
#    NAME.pre-restore);
# 4. pg_restore of dicom_gw.dump (one transaction, stops at the first error);
# 5. unpacks storage.tar into the root when present, creates missing layout directories;
# 6. runs `dicom-gw storage verify` and exits with its status (0: tree and rows agree).
#
# The database URL and the root default as in backup.sh, reading the configuration directory
# after step 3. DICOM_GW_BIN names the dicom-gw binary (default: dicom-gw on PATH).
# Run `dicom-gw migrate` afterwards when the installed gateway is newer than the backup.
set -euo pipefail

input=""
database_url=""
config_dir=${DICOM_GW_CONFIG_DIR:-/etc/dicom-gw}
root=""
force=0

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

die() {
    echo "restore: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --input) input=${2:?}; shift 2 ;;
        --database-url) database_url=${2:?}; shift 2 ;;
        --config-dir) config_dir=${2:?}; shift 2 ;;
        --root) root=${2:?}; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "restore: unknown option $1" >&2; usage 2 ;;
    esac
done
[ -n "$input" ] || { echo "restore: --input DIR is required" >&2; usage 2; }

# shellcheck source=scripts/backup-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

# 1. The manifest.
manifest="$input/MANIFEST"
[ -r "$manifest" ] || die "$manifest not found: not a dicom-gw backup"
[ "$(head -n 1 "$manifest")" = "dicom-gw-backup 1" ] || die "$manifest: unknown format ($(head -n 1 "$manifest"))"
listed=()
while read -r tag hash file; do
    [ "$tag" = sha256 ] || continue
    case "$file" in dicom_gw.dump|config.tar.gz|storage.tar) ;; *) die "MANIFEST lists an unexpected file '$file'" ;; esac
    [ -f "$input/$file" ] || die "$file is listed in the manifest but missing"
    actual=$(sha256sum "$input/$file" | cut -d ' ' -f 1)
    [ "$actual" = "$hash" ] || die "$file: SHA-256 $actual does not match the manifest ($hash)"
    listed+=("$file")
done < "$manifest"
for required in dicom_gw.dump config.tar.gz; do
    [[ " ${listed[*]} " == *" $required "* ]] || die "MANIFEST does not list $required"
done
has_storage=0
[[ " ${listed[*]} " == *" storage.tar "* ]] && has_storage=1
echo "restore: manifest verified ($(sed -n 's/^date //p' "$manifest"), gateway $(sed -n 's/^gateway_version //p' "$manifest"), schema $(sed -n 's/^schema_version //p' "$manifest"))"

command -v pg_restore >/dev/null || die "pg_restore not found (install the PostgreSQL client)"
command -v psql >/dev/null || die "psql not found (install the PostgreSQL client)"
dicom_gw=${DICOM_GW_BIN:-$(command -v dicom-gw || echo /usr/bin/dicom-gw)}
[ -x "$dicom_gw" ] || die "dicom-gw binary not found (set DICOM_GW_BIN)"

# 2. Refuse to overwrite unless forced. The URL may come from the configuration in the
# backup, so peek into it when nothing else names the database.
if [ -z "$database_url" ] && [ -z "${DICOM_GW_DATABASE_URL:-}" ] && [ ! -e "$config_dir/dicom-gw.env" ] && [ ! -e "$config_dir/dicom-gw.yaml" ]; then
    peek=$(mktemp -d)
    trap 'rm -rf "$peek"' EXIT
    tar -xzf "$input/config.tar.gz" -C "$peek" ./dicom-gw.env ./dicom-gw.yaml 2>/dev/null || true
    saved_config_dir=$config_dir
    config_dir=$peek
    resolve_database_url
    resolve_root
    config_dir=$saved_config_dir
fi
resolve_database_url
resolve_root

psql_q() { psql "$database_url" -X -A -t -v ON_ERROR_STOP=1 -c "$1"; }
tables=$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'dicom_gw'") \
    || die "cannot connect to the database (is --database-url right?)"
if [ "$tables" != 0 ]; then
    [ "$force" = 1 ] || die "the database already has a dicom_gw schema with $tables table(s): restore into an empty database, or --force to drop it"
    echo "restore: --force: dropping schema dicom_gw ($tables tables)"
    psql_q "DROP SCHEMA dicom_gw CASCADE" >/dev/null
elif [ "$(psql_q "SELECT count(*) FROM pg_namespace WHERE nspname = 'dicom_gw'")" != 0 ]; then
    psql_q "DROP SCHEMA dicom_gw CASCADE" >/dev/null   # empty: pg_restore creates it
fi

occupied=""
for area in storage forwarded failed; do
    if [ -d "$root/$area" ] && [ -n "$(find "$root/$area" -type f -print -quit)" ]; then
        occupied="$occupied $area/"
    fi
done
if [ -n "$occupied" ] && [ "$has_storage" = 1 ]; then
    [ "$force" = 1 ] || die "$root already holds files in$occupied: restore into an empty root, or --force to move them aside"
    aside="$root/pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$aside"
    for area in storage forwarded failed; do
        [ -d "$root/$area" ] && mv "$root/$area" "$aside/$area"
    done
    echo "restore: --force: moved the existing tree to $aside"
elif [ -n "$occupied" ]; then
    echo "restore: warning: the backup holds no storage tree and $root already has files in$occupied; storage verify will compare them" >&2
fi

# 3. Configuration and TLS material.
mkdir -p "$config_dir"
tar -xzf "$input/config.tar.gz" -C "$config_dir" --backup=simple --suffix=.pre-restore --no-overwrite-dir
echo "restore: configuration unpacked into $config_dir"

# 4. The database. The reporting views carry grants to dicom_gw_report: create the role
# when it is missing and we may, otherwise restore without grants.
acl_option=()
if [ "$(psql_q "SELECT count(*) FROM pg_roles WHERE rolname = 'dicom_gw_report'")" = 0 ]; then
    if ! psql_q "CREATE ROLE dicom_gw_report NOLOGIN" >/dev/null 2>&1; then
        echo "restore: warning: cannot create role dicom_gw_report: grants not restored (run sql/report-role.sql as a superuser)" >&2
        acl_option=(--no-acl)
    fi
fi
pg_restore --no-owner --exit-on-error --single-transaction "${acl_option[@]}" \
    --dbname="$database_url" "$input/dicom_gw.dump"
echo "restore: database restored (schema version $(psql_q "SELECT max(version) FROM dicom_gw.schema_migrations"))"

# 5. The tree.
if [ ! -d "$root" ]; then
    mkdir -p "$root"
    chmod 0750 "$root"
fi
if [ "$has_storage" = 1 ]; then
    tar -xpf "$input/storage.tar" -C "$root"
    echo "restore: storage tree unpacked into $root"
fi
owner=$(stat -c '%u:%g' "$root")
for dir in storage storage/studies incoming queue forwarded failed tmp; do
    if [ ! -d "$root/$dir" ]; then
        mkdir -m 0750 "$root/$dir"
        if [ "$(id -u)" -eq 0 ]; then chown "$owner" "$root/$dir"; fi
    fi
done

# 6. The tree against the rows.
echo "restore: dicom-gw storage verify"
verify_config=()
[ -f "$config_dir/dicom-gw.yaml" ] && verify_config=(--config "$config_dir/dicom-gw.yaml")
status=0
"$dicom_gw" storage verify "${verify_config[@]}" --database-url "$database_url" --storage-root "$root" || status=$?
if [ "$status" = 0 ]; then
    echo "restore: done; the tree and the database agree"
else
    echo "restore: storage verify found drift (exit $status): see above; 'dicom-gw storage verify --repair' mends it" >&2
fi
exit "$status"
