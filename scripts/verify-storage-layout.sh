#!/usr/bin/env bash
# Checks the dicom-gw storage layout: directories exist with mode 0750 and the service
# owner, files are 0640, disk space is above the thresholds, SELinux contexts (when
# SELinux is enabled). One line per finding; exit 1 when anything is wrong.
#
#   verify-storage-layout.sh [--root DIR] [--log-dir DIR] [--config-dir DIR] [--user NAME]
#                            [--warn PERCENT] [--critical PERCENT] [--json] [--no-files]
#
# Disk use at or above --warn (default 80) is a warning (exit 0), at or above --critical
# (default 90) an error. --no-files skips the per-file mode check (large trees).
set -euo pipefail

root=${DICOM_GW_ROOT:-/var/lib/dicom-gw}
log_dir=${DICOM_GW_LOG_DIR:-/var/log/dicom-gw}
config_dir=${DICOM_GW_CONFIG_DIR:-/etc/dicom-gw}
user=${DICOM_GW_USER:-dicom-gw}
warn=80
critical=90
json=0
check_files=1

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$2; shift 2 ;;
        --log-dir) log_dir=$2; shift 2 ;;
        --config-dir) config_dir=$2; shift 2 ;;
        --user) user=$2; shift 2 ;;
        --warn) warn=$2; shift 2 ;;
        --critical) critical=$2; shift 2 ;;
        --json) json=1; shift ;;
        --no-files) check_files=0; shift ;;
        -h|--help) usage 0 ;;
        *) echo "verify-storage-layout: unknown option $1" >&2; usage 2 ;;
    esac
done

errors=0
findings=()   # "level|check|path|message"

finding() {
    local level=$1 check=$2 path=$3 message=$4
    findings+=("$level|$check|$path|$message")
    [ "$level" = error ] && errors=$((errors + 1))
    return 0
}

# Ownership is only meaningful when the service user exists (installed hosts, or root).
check_owner=0
if id "$user" >/dev/null 2>&1; then check_owner=1; fi

# check_dir DIR [OWNER]: exists, mode 750, owned by OWNER (default the service user) and
# the service group.
check_dir() {
    local dir=$1 expected_owner=${2:-$user}
    if [ ! -d "$dir" ]; then
        finding error exists "$dir" "directory is missing"
        return
    fi
    local mode owner
    mode=$(stat -c '%a' "$dir")
    [ "$mode" = 750 ] || finding error permissions "$dir" "mode is $mode, expected 750"
    if [ "$check_owner" = 1 ]; then
        owner=$(stat -c '%U:%G' "$dir")
        [ "$owner" = "$expected_owner:$user" ] || finding error ownership "$dir" "owner is $owner, expected $expected_owner:$user"
    fi
}

for sub in "" storage storage/studies incoming queue forwarded failed tmp; do
    check_dir "$root${sub:+/$sub}"
done
check_dir "$log_dir"
check_dir "$config_dir" root
check_dir "$config_dir/tls"

if [ "$check_files" = 1 ]; then
    for sub in storage forwarded failed; do
        [ -d "$root/$sub" ] || continue
        while IFS= read -r line; do
            finding error permissions "${line#* }" "file mode is ${line%% *}, expected 640"
        done < <(find "$root/$sub" -type f ! -perm 0640 -printf '%m %p\n' 2>/dev/null | head -n 100)
        while IFS= read -r line; do
            finding error permissions "${line#* }" "directory mode is ${line%% *}, expected 750"
        done < <(find "$root/$sub" -mindepth 1 -type d ! -perm 0750 -printf '%m %p\n' 2>/dev/null | head -n 100)
    done
fi

if [ -d "$root" ]; then
    use=$(df -P "$root" | awk 'NR == 2 { sub(/%/, "", $5); print $5 }')
    avail=$(df -Ph "$root" | awk 'NR == 2 { print $4 }')
    if [ "$use" -ge "$critical" ]; then
        finding error disk "$root" "disk use ${use}% (critical at ${critical}%), ${avail} free"
    elif [ "$use" -ge "$warn" ]; then
        finding warning disk "$root" "disk use ${use}% (warning at ${warn}%), ${avail} free"
    else
        finding ok disk "$root" "disk use ${use}%, ${avail} free"
    fi
fi

if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then
    for pair in "$root:dicom_gw_storage_t" "$root/storage:dicom_gw_storage_t" "$root/forwarded:dicom_gw_forwarded_t" \
                "$root/failed:dicom_gw_failed_t" "$log_dir:dicom_gw_log_t" "$config_dir:dicom_gw_conf_t"; do
        path=${pair%:*}
        want=${pair##*:}
        [ -e "$path" ] || continue
        context=$(stat -c '%C' "$path" 2>/dev/null || echo unknown)
        case "$context" in
            *":$want:"*) ;;
            *) finding error selinux "$path" "SELinux context is $context, expected type $want (restorecon -Rv $path)" ;;
        esac
    done
fi

json_escape() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    printf '%s' "$s"
}

if [ "$json" = 1 ]; then
    printf '{"root":"%s","ok":%s,"errors":%d,"findings":[' "$(json_escape "$root")" \
        "$([ "$errors" = 0 ] && echo true || echo false)" "$errors"
    sep=""
    for f in "${findings[@]}"; do
        IFS='|' read -r level check path message <<< "$f"
        printf '%s{"level":"%s","check":"%s","path":"%s","message":"%s"}' "$sep" "$level" "$check" \
            "$(json_escape "$path")" "$(json_escape "$message")"
        sep=","
    done
    printf ']}\n'
else
    for f in "${findings[@]}"; do
        IFS='|' read -r level check path message <<< "$f"
        printf '%-7s %-11s %s: %s\n' "$level" "$check" "$path" "$message"
    done
    if [ "$errors" = 0 ]; then echo "storage layout OK"; else echo "storage layout: $errors problem(s)"; fi
fi

[ "$errors" = 0 ]
