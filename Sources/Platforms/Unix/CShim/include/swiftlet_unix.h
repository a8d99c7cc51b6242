// The few Linux calls the unix binding needs that Swift's Glibc module does not export
// (GNU extensions). Declared with plain types so this header includes no system header:
// including them with _GNU_SOURCE would clash with Swift's own Glibc module.
#ifndef SWIFTLET_UNIX_H
#define SWIFTLET_UNIX_H

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)
int swiftlet_eventfd(void);

/// ppoll over `count` `struct pollfd`s; `timeout` is a `struct timespec *`, NULL waits forever.
int swiftlet_ppoll(void *descriptors, unsigned long count, const void *timeout);

/// getrandom(buffer, length, 0)
long swiftlet_getrandom(void *buffer, unsigned long length);

/// The addresses of the Swift concurrency runtime's hook variables for the global and
/// main-actor queues. Taken here so the linker resolves them whether the Swift runtime is
/// linked statically or dynamically.
void **swiftlet_enqueue_global_hook(void);
void **swiftlet_enqueue_main_executor_hook(void);
void **swiftlet_get_main_executor_hook(void);

#endif
