#!/usr/bin/env bash
# Creates the dicom-gw storage layout (docs/storage-layout.md): the service user and group,
# the data directories with mode 0750 owned by the service user, the log and configuration
# directories, and a short description of the layout. Safe to run again.
#
#   setup-storage-layout.sh [--root DIR] [--log-dir DIR] [--config-dir DIR] [--user NAME] [--no-user]
#
# DICOM_GW_ROOT, DICOM_GW_LOG_DIR, DICOM_GW_CONFIG_DIR and DICOM_GW_USER set the defaults.
# Not as root (tests, development) the user is not created and ownership is left alone.
set -euo pipefail

root=${DICOM_GW_ROOT:-/var/lib/dicom-gw}
log_dir=${DICOM_GW_LOG_DIR:-/var/log/dicom-gw}
config_dir=${DICOM_GW_CONFIG_DIR:-/etc/dicom-gw}
user=${DICOM_GW_USER:-dicom-gw}
create_user=1

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
        --no-user) create_user=0; shift ;;
        -h|--help) usage 0 ;;
        *) echo "setup-storage-layout: unknown option $1" >&2; usage 2 ;;
    esac
done

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

if [ "$is_root" = 1 ] && [ "$create_user" = 1 ]; then
    if ! getent group "$user" >/dev/null; then
        groupadd --system "$user"
        echo "created group $user"
    fi
    if ! id "$user" >/dev/null 2>&1; then
        useradd --system --gid "$user" --home-dir "$root" --no-create-home \
            --shell /usr/sbin/nologin --comment "DICOM gateway" "$user"
        echo "created user $user"
    fi
fi

# make_dir DIR MODE [OWNER]: create, then set mode and (as root) the owner, by default
# the service user; the group is always the service group.
make_dir() {
    local dir=$1 mode=$2 owner=${3:-$user}
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir"
        echo "created $dir"
    fi
    chmod "$mode" "$dir"
    if [ "$is_root" = 1 ] && id "$user" >/dev/null 2>&1; then
        chown "$owner:$user" "$dir"
    fi
}

make_dir "$root" 0750
for sub in storage storage/studies incoming queue forwarded failed tmp; do
    make_dir "$root/$sub" 0750
done
make_dir "$log_dir" 0750
# The configuration belongs to root, readable by the service group; tls/ to the service,
# which writes certificates uploaded through the admin API there.
make_dir "$config_dir" 0750 root
make_dir "$config_dir/tls" 0750

readme="$root/LAYOUT.txt"
cat > "$readme.tmp" <<EOF
dicom-gw storage layout (see docs/storage-layout.md)

storage/studies/{study_instance_uid}/{series_instance_uid}/{sop_instance_uid}.dcm
    received objects; each file has its row in the dicom_gw.instances table
incoming/   objects being received (partial files, removed at start-up)
queue/      queue processing area
forwarded/  objects archived after every destination received them
failed/     objects whose delivery failed for good
tmp/        temporary files

Directories 0750 and files 0640, owned by $user:$user.
Check with verify-storage-layout.sh; clean up with cleanup-storage.sh.
EOF
mv "$readme.tmp" "$readme"
chmod 0640 "$readme"
if [ "$is_root" = 1 ] && id "$user" >/dev/null 2>&1; then
    chown "$user:$user" "$readme"
fi

echo "storage layout ready under $root"
