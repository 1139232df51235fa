#!/usr/bin/env python3
"""Writes CT-like Part 10 test instances (Explicit VR Little Endian) for bench-ingest.sh.

usage: bench-generate.py DIR COUNT PIXEL_BYTES [--single]
No third-party modules: the few elements are encoded by hand. Pixel data is written in
chunks, so a 500 MB instance does not need 500 MB of memory.
"""
import os
import struct
import sys
import uuid

CT = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"


def uid():
    return "2.25." + str(uuid.uuid4().int)


def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def meta(sop):
    body = element(0x0002, 0x0001, "OB", b"\0\1")
    body += element(0x0002, 0x0002, "UI", CT)
    body += element(0x0002, 0x0003, "UI", sop)
    body += element(0x0002, 0x0010, "UI", EXPLICIT_LE)
    body += element(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.9.7433.1")
    return b"\0" * 128 + b"DICM" + element(0x0002, 0x0000, "UL", struct.pack("<I", len(body))) + body


def write(path, study, series, number, pixel_bytes):
    sop = uid()
    side = max(1, int((pixel_bytes // 2) ** 0.5))
    pixel_bytes = side * side * 2
    head = b"".join([
        element(0x0008, 0x0016, "UI", CT),
        element(0x0008, 0x0018, "UI", sop),
        element(0x0008, 0x0020, "DA", "20260101"),
        element(0x0008, 0x0060, "CS", "CT"),
        element(0x0010, 0x0010, "PN", "Bench^Patient"),
        element(0x0010, 0x0020, "LO", "BENCH1"),
        element(0x0020, 0x000D, "UI", study),
        element(0x0020, 0x000E, "UI", series),
        element(0x0020, 0x0011, "IS", "1"),
        element(0x0020, 0x0013, "IS", str(number)),
        element(0x0028, 0x0002, "US", struct.pack("<H", 1)),
        element(0x0028, 0x0004, "CS", "MONOCHROME2"),
        element(0x0028, 0x0010, "US", struct.pack("<H", side)),
        element(0x0028, 0x0011, "US", struct.pack("<H", side)),
        element(0x0028, 0x0100, "US", struct.pack("<H", 16)),
        element(0x0028, 0x0101, "US", struct.pack("<H", 12)),
        element(0x0028, 0x0102, "US", struct.pack("<H", 11)),
        element(0x0028, 0x0103, "US", struct.pack("<H", 0)),
    ])
    with open(path, "wb") as f:
        f.write(meta(sop) + head)
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, pixel_bytes))
        chunk = os.urandom(min(pixel_bytes, 1 << 20))
        left = pixel_bytes
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def main():
    directory, count, pixel_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(directory, exist_ok=True)
    study, series = uid(), uid()
    for n in range(count):
        write(os.path.join(directory, "%06d.dcm" % n), study, series, n, pixel_bytes)


if __name__ == "__main__":
    main()
