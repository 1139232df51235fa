#!/usr/bin/env bash
# Builds the dicom-gw RPM from deploy/rpm/dicom-gw.spec with rpmbuild (`make rpm`).
#
#   build-rpm.sh [--prebuilt BINARY] [--output DIR] [--fast]
#
# Without --prebuilt it builds the release binary (swift build -c release) and packages it.
# The source tarball holds the files git knows (tracked and untracked, not ignored), so it
# works from a tree with uncommitted changes. --output is rpmbuild's top directory (default
# .build/rpm); the package lands in DIR/RPMS/<arch>/. --fast stores the payload
# uncompressed and skips the post-install strip (the packaging test, with a debug binary).
# Prints the path of the package on its last line.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"

prebuilt=""
top="$src/.build/rpm"
fast=0

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prebuilt) prebuilt=${2:?}; shift 2 ;;
        --output) top=${2:?}; shift 2 ;;
        --fast) fast=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "build-rpm: unknown option $1" >&2; usage 2 ;;
    esac
done

command -v rpmbuild >/dev/null || { echo "build-rpm: rpmbuild not found (apt-get install rpm, or dnf install rpm-build)" >&2; exit 1; }

if [ -z "$prebuilt" ]; then
    # The Swift runtime and Foundation linked in: the host needs no Swift installation,
    # only what the spec's Requires name (libpq, libstdc++, zlib).
    swift build -c release --static-swift-stdlib --product dicom-gw
    prebuilt="$src/.build/release/dicom-gw"
fi
[ -x "$prebuilt" ] || { echo "build-rpm: $prebuilt is not an executable" >&2; exit 1; }
prebuilt=$(cd "$(dirname "$prebuilt")" && pwd)/$(basename "$prebuilt")

version=$(sed -n 's/^Version:.*!?version_override:\([^}]*\)}.*/\1/p' deploy/rpm/dicom-gw.spec)
[ -n "$version" ] || version=0.1.0
mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT}
top=$(cd "$top" && pwd)

# The source tarball: what git knows of the tree, under dicom-gw-VERSION/.
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -czf "$top/SOURCES/dicom-gw-$version.tar.gz" --transform "s,^,dicom-gw-$version/,"
cp deploy/rpm/dicom-gw.spec "$top/SPECS/"

defines=(--define "_topdir $top" --define "prebuilt_binary $prebuilt")
if [ "$fast" = 1 ]; then
    defines+=(--define "_binary_payload w0.ufdio" --define "__os_install_post %{nil}")
fi
# --nodeps: BuildRequires name EL packages (swiftlang, libpq-devel) that a Debian host
# provides under other names.
rpmbuild -bb --nodeps --quiet "${defines[@]}" "$top/SPECS/dicom-gw.spec" >"$top/rpmbuild.log" 2>&1 || {
    cat "$top/rpmbuild.log" >&2
    exit 1
}
package=$(find "$top/RPMS" -name "dicom-gw-$version-*.rpm" -newer "$top/SPECS/dicom-gw.spec" | head -n 1)
[ -n "$package" ] || { echo "build-rpm: no package produced" >&2; cat "$top/rpmbuild.log" >&2; exit 1; }
echo "$package"
