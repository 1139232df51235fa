#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when missing.
# As root it installs them; otherwise it only names what is missing.
set -euo pipefail

# One package per line, so branches that add one merge cleanly.
packages=(
    pkg-config
    libpq-dev
    postgresql
    postgresql-contrib
    dcmtk
    openssl
    chromium
    chromium-driver
    shellcheck
    checkpolicy
    semodule-utils
    rpm
    selinux-policy-dev
    systemd
    "$@"
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
