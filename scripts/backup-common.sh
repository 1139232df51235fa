#!/usr/bin/env bash
# Shared by backup.sh and restore.sh (sourced, not run): where the database and the storage
# root are, looked up the way the gateway does, without executing the configuration files.
# Callers set database_url, root and config_dir before calling the resolve_ functions.
# shellcheck disable=SC2154 # database_url, root, config_dir: the caller's variables

# yaml_value SECTION KEY FILE: the scalar at SECTION.KEY of a simple two-level YAML file.
yaml_value() {
    [ -r "$3" ] || return 0
    awk -v section="$1" -v key="$2" '
        /^[^[:space:]#][^:]*:/ { in_section = ($0 ~ "^" section ":") ; next }
        in_section && $0 ~ "^[[:space:]]+" key ":" {
            sub("^[[:space:]]+" key ":[[:space:]]*", ""); sub(/[[:space:]]+#.*$/, "")
            gsub(/^["'\'']|["'\'']$/, ""); print; exit
        }' "$3"
}

# env_file_value NAME FILE: NAME=value from an environment file (not sourced: never executed).
env_file_value() {
    [ -r "$2" ] || return 0
    sed -n "s/^[[:space:]]*$1=//p" "$2" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# The database URL, unless given: DICOM_GW_DATABASE_URL, the env file, the YAML, the default.
resolve_database_url() {
    [ -n "$database_url" ] && return 0
    database_url=${DICOM_GW_DATABASE_URL:-}
    [ -n "$database_url" ] || database_url=$(env_file_value DICOM_GW_DATABASE_URL "$config_dir/dicom-gw.env")
    [ -n "$database_url" ] || database_url=$(yaml_value database url "$config_dir/dicom-gw.yaml")
    [ -n "$database_url" ] || database_url=postgresql:///dicom_gw
}

# The storage root, unless given: DICOM_GW_ROOT (or DICOM_GW_STORAGE_ROOT), the YAML, the default.
resolve_root() {
    [ -n "$root" ] && return 0
    root=${DICOM_GW_ROOT:-${DICOM_GW_STORAGE_ROOT:-}}
    [ -n "$root" ] || root=$(yaml_value storage root "$config_dir/dicom-gw.yaml")
    [ -n "$root" ] || root=/var/lib/dicom-gw
}
