#!/usr/bin/env bash
# `make run`: a local PostgreSQL under .data/pg, the schema migrated, then the gateway
# with a development configuration whose storage root is .data/storage.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/dev-db.sh start
swift build --product dicom-gw
bin=$(swift build --show-bin-path)/dicom-gw

url=$(scripts/dev-db.sh url)
export DICOM_GW_DATABASE_URL="$url"
"$bin" migrate
# An initial admin for the web API, created once; its password is shown only then.
if "$bin" user add admin --role admin --generate-password; then
    echo "dicom-gw: log in to the web console at http://127.0.0.1:8080/ui/ as 'admin' with the password above"
else
    echo "dicom-gw: admin account exists (dicom-gw user passwd admin to reset it)"
fi

config=.data/dicom-gw.yaml
if [ ! -f "$config" ]; then
    cat > "$config" <<YAML
# Development configuration written by scripts/run-dev.sh; edit freely.
storage:
  root: $root/.data/storage
dicom:
  ae_title: DICOM_GW
  port: 11112
admin:
  listen: 127.0.0.1:8080
log:
  level: info
YAML
fi

if "$bin" help serve >/dev/null 2>&1; then
    echo "dicom-gw: database $url"
    echo "dicom-gw: configuration $config"
    exec "$bin" serve --config "$config"
else
    echo "dicom-gw: database migrated at $url; 'serve' is not built yet, nothing more to start."
fi
