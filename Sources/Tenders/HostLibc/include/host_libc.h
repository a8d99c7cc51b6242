#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/// errno, which Swift cannot read through its macro.
static inline int host_errno(void) { return errno; }

/// open(2) without a mode (Swift cannot call the variadic one).
static inline int host_open(const char *path, int flags) { return open(path, flags); }

/// Whether mmap failed (MAP_FAILED is not importable).
static inline int host_map_failed(void *address) { return address == MAP_FAILED; }
