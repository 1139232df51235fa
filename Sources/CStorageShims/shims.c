#define _GNU_SOURCE
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "CStorageShims.h"

int cstorage_start_writeback(int fd) {
#ifdef __linux__
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    return 0;
#endif
}

int cstorage_limit_malloc_arenas(int count) {
#ifdef __GLIBC__
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}
