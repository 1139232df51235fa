#!/usr/bin/env bash
# Static checks of what ships beside the binary: shell scripts (shellcheck), the SELinux
# policy module (compiled with the refpolicy devel Makefile: checkmodule + semodule_package),
# the SELinux types, file contexts and port labelling, and the systemd units
# (systemd-analyze verify). Part of `make test`.
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

echo "check-deploy: SELinux types and DICOM ports"
# A loadable module cannot label ports: the type is declared in the .te and the RPM's %post
# labels the three ports with it. Each area of the layout has its file context.
for type in dicom_gw_t dicom_gw_storage_t dicom_gw_forwarded_t dicom_gw_failed_t dicom_gw_log_t dicom_gw_conf_t dicom_gw_port_t; do
    grep -q "^type $type;" deploy/selinux/dicom_gw.te || { echo "  dicom_gw.te does not declare $type"; failed=1; }
done
for context in "/var/lib/dicom-gw(/.*)?:dicom_gw_storage_t" "/var/lib/dicom-gw/forwarded(/.*)?:dicom_gw_forwarded_t" \
               "/var/lib/dicom-gw/failed(/.*)?:dicom_gw_failed_t" "/var/log/dicom-gw(/.*)?:dicom_gw_log_t" "/etc/dicom-gw(/.*)?:dicom_gw_conf_t"; do
    path=${context%:*}
    type=${context##*:}
    grep -F "$path" deploy/selinux/dicom_gw.fc | grep -q ":$type," || { echo "  dicom_gw.fc does not label $path $type"; failed=1; }
done
if ! grep -q "for port in 104 11112 2762" deploy/rpm/dicom-gw.spec || ! grep -q "semanage port -a -t dicom_gw_port_t" deploy/rpm/dicom-gw.spec; then
    echo "  dicom-gw.spec %post does not label ports 104, 11112, 2762 dicom_gw_port_t"
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
