#!/usr/bin/env python3
"""What durability alone costs on this disk, per object (not a test).

usage: bench-fsync.py DIR SIZE COUNT

Writes COUNT files of SIZE bytes into DIR/incoming and moves each into DIR/tree the way
dicom-gw does, and prints the milliseconds per object of each step:
  write    create + write + close (what storescp does, page cache only)
  fsync    + fsync of the file before the move
  durable  + rename into the tree + fsync of the directory (dicom-gw's file side)
The last line is machine-readable: `FSYNC-MS<TAB>write<TAB>fsync<TAB>durable`.
The database's commit flush is measured separately (pgbench, see bench-ingest.sh).

Each mode writes into directories of its own and nothing is deleted until all three ran:
ext4 without a journal skips inodes freed in the last ~30 s (`recently_deleted`) when it
allocates new ones, so creating files right after deleting many costs up to three times
as much. The caller waits that window out before the first mode (bench-ingest.sh does).
"""
import os
import shutil
import sys
import time


def run(root, size, count, mode):
    incoming = os.path.join(root, mode, "incoming")
    tree = os.path.join(root, mode, "tree")
    for d in (incoming, tree):
        os.makedirs(d)
    payload = os.urandom(size)
    tree_fd = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    start = time.perf_counter()
    for i in range(count):
        part = os.path.join(incoming, "%d.part" % i)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        os.write(fd, payload)
        if mode != "write":
            os.fsync(fd)
        os.close(fd)
        os.rename(part, os.path.join(tree, "%d.dcm" % i))
        if mode == "durable":
            os.fsync(tree_fd)
    elapsed = time.perf_counter() - start
    os.close(tree_fd)
    return elapsed * 1000 / count


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    root, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    results = {}
    shutil.rmtree(root, ignore_errors=True)
    try:
        for mode in ("write", "fsync", "durable"):
            results[mode] = run(root, size, count, mode)
            print("%-8s %8.3f ms per object (%d x %d bytes)" % (mode, results[mode], count, size))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("FSYNC-MS\t%.3f\t%.3f\t%.3f" % (results["write"], results["fsync"], results["durable"]))


if __name__ == "__main__":
    main()
