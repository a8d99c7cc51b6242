#define _GNU_SOURCE
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include "swiftlet_unix.h"

int swiftlet_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int swiftlet_ppoll(void *descriptors, unsigned long count, const void *timeout) {
    return ppoll((struct pollfd *)descriptors, (nfds_t)count, (const struct timespec *)timeout, NULL);
}

long swiftlet_getrandom(void *buffer, unsigned long length) { return getrandom(buffer, length, 0); }

// Declared by the Swift concurrency runtime (ConcurrencyHooks.def); the types do not matter here.
extern void *swift_task_enqueueGlobal_hook;
extern void *swift_task_enqueueMainExecutor_hook;
extern void *swift_task_getMainExecutor_hook;

void **swiftlet_enqueue_global_hook(void) { return &swift_task_enqueueGlobal_hook; }
void **swiftlet_enqueue_main_executor_hook(void) { return &swift_task_enqueueMainExecutor_hook; }
void **swiftlet_get_main_executor_hook(void) { return &swift_task_getMainExecutor_hook; }
