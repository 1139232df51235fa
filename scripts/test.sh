#!/usr/bin/env bash
# `make test`: dependencies, a throwaway PostgreSQL, then the whole Swift test suite.
# Stops the database again if it started it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/install-deps.sh
scripts/check-deploy.sh

started=0
if ! scripts/dev-db.sh status >/dev/null 2>&1; then
    DICOM_GW_DEV_DB_FAST=1 scripts/dev-db.sh start
    started=1
fi
cleanup() { if [ "$started" = 1 ]; then scripts/dev-db.sh stop || true; fi; }
trap cleanup EXIT

export DICOM_GW_TEST_DATABASE_URL
DICOM_GW_TEST_DATABASE_URL=$(scripts/dev-db.sh url)
# Tests that restart the server need to know how.
export DICOM_GW_TEST_DB_CTL="$root/scripts/dev-db.sh"
export DICOM_GW_CORPUS="${DICOM_GW_CORPUS:-$root/../shared/corpus}"

swift build --build-tests
swift test --skip-build "$@"
