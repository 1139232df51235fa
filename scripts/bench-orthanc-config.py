#!/usr/bin/env python3
"""Prints an Orthanc configuration for the benchmarks' durable peer (not a test).

usage: bench-orthanc-config.py DB_URL DATABASE DIR DICOM_PORT HTTP_PORT [ROUTE_AE ROUTE_PORT]

Orthanc keeps its index in DATABASE on the PostgreSQL server of DB_URL (a libpq URL as
dev-db.sh prints) and its files under DIR, with SyncStorageArea on: an fsync per stored
file and a commit per instance, as dicom-gw does. With ROUTE_AE and ROUTE_PORT, DIR/route.lua
(written here) sends each stored object to that AE on 127.0.0.1 as it is stored: Orthanc's
per-object auto-routing.
"""
import json
import os
import sys
import urllib.parse as u


def main():
    if len(sys.argv) not in (6, 8):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    url, database, directory, dicom_port, http_port = sys.argv[1:6]
    plugin = "/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so"
    parts = u.urlsplit(url)
    query = dict(u.parse_qsl(parts.query))
    config = {
        "Name": "BENCH", "StorageDirectory": directory + "/storage", "IndexDirectory": directory + "/index",
        "DicomAet": "ORTHANC", "DicomPort": int(dicom_port), "HttpPort": int(http_port),
        "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "DicomCheckCalledAet": False,
        "UnknownSopClassAccepted": True, "DicomAlwaysAllowStore": True, "SaveJobs": False,
        "SyncStorageArea": True, "StorageCompression": False, "Plugins": [plugin],
        "PostgreSQL": {
            "EnableIndex": True, "EnableStorage": False,
            "Host": query.get("host") or parts.hostname or "localhost",
            "Port": int(query.get("port") or parts.port or 5432), "Database": database,
            "Username": u.unquote(parts.username or "postgres"), "Password": u.unquote(parts.password or ""),
            "Lock": False,
        },
    }
    if len(sys.argv) == 8:
        route_ae, route_port = sys.argv[6:8]
        script = os.path.join(directory, "route.lua")
        with open(script, "w") as f:
            f.write("function OnStoredInstance(instanceId, tags, metadata, origin)\n"
                    "  if origin['RequestOrigin'] ~= 'Lua' then SendToModality(instanceId, 'peer') end\n"
                    "end\n")
        config["DicomModalities"] = {"peer": [route_ae, "127.0.0.1", int(route_port)]}
        config["LuaScripts"] = [script]
    print(json.dumps(config, indent=1))


if __name__ == "__main__":
    main()
