#ifndef CSTORAGE_SHIMS_H
#define CSTORAGE_SHIMS_H

/// Starts write-back of the dirty pages of `fd` without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE, which Swift's Glibc module does not export
/// because it needs _GNU_SOURCE). Returns 0, or -1 with errno; a no-op returning 0 elsewhere.
int cstorage_start_writeback(int fd);

/// Caps glibc's malloc arenas at `count` (mallopt M_ARENA_MAX, which Swift's Glibc module
/// does not export). Returns 1 on success, 0 on failure or where the C library is not glibc.
int cstorage_limit_malloc_arenas(int count);

#endif
