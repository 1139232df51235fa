#ifndef CSTORAGE_SHIMS_H
#define CSTORAGE_SHIMS_H

/// Starts write-back of the dirty pages of `fd` without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE, which Swift's Glibc module does not export
/// because it needs _GNU_SOURCE). Returns 0, or -1 with errno; a no-op returning 0 elsewhere.
int cstorage_start_writeback(int fd);

#endif
