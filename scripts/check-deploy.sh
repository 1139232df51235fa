#!/usr/bin/env bash
# Static checks of what ships beside the binary: shell scripts (shellcheck), the SELinux
# policy module (compiled with the refpolicy devel Makefile: checkmodule + semodule_package),
# and the systemd units (systemd-analyze verify). Part of `make test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
failed=0

echo "check-deploy: shellcheck"
if ! shellcheck -x scripts/*.sh .ci/run; then failed=1; fi

echo "check-deploy: SELinux policy module"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp deploy/selinux/dicom_gw.te deploy/selinux/dicom_gw.fc deploy/selinux/dicom_gw.if "$work/"
if (cd "$work" && make -s -f /usr/share/selinux/devel/Makefile dicom_gw.pp >"$work/build.log" 2>&1) && [ -s "$work/dicom_gw.pp" ]; then
    echo "  dicom_gw.pp built ($(stat -c %s "$work/dicom_gw.pp") bytes)"
else
    cat "$work/build.log"
    failed=1
fi

echo "check-deploy: systemd units"
for unit in deploy/systemd/*.service deploy/systemd/*.timer; do
    # The binaries named in Exec* are installed by the RPM, not here: ignore only that.
    out=$(systemd-analyze verify --man=no "$unit" 2>&1 | grep -v -E "is not executable|No such file or directory|Failed to prepare filename|not found" || true)
    if [ -n "$out" ]; then
        echo "$unit:"
        echo "$out"
        failed=1
    fi
done

if [ "$failed" = 0 ]; then echo "check-deploy: all passed"; fi
exit "$failed"
