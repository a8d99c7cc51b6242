// The few things Swiftlet's tenders cannot do from Swift.
#ifndef SWIFTLET_TENDER_H
#define SWIFTLET_TENDER_H
#include <stdint.h>

/// Opens the existing tap interface `name` (non-blocking); returns its descriptor and MTU, or -1.
int swiftlet_tap_attach(const char *name, int *mtu);

/// Creates the epoll set and the monotonic timerfd that spt's yield uses; -1 on failure.
int swiftlet_spt_events(int *epoll, int *timer);

/// Adds `descriptor` to `epoll` for input, tagged with `tag`.
int swiftlet_epoll_watch(int epoll, int descriptor, uint64_t tag);

/// Fills `buffer` from the kernel's random pool.
long swiftlet_random(void *buffer, unsigned long length);

/// One BPF instruction, as the kernel's struct sock_filter.
struct swiftlet_bpf_instruction { uint16_t code; uint8_t jump_true; uint8_t jump_false; uint32_t k; };

/// Turns on no_new_privs and the seccomp `filter`, then jumps to `entry` with `argument` in %rdi
/// and the stack pointer at `stack`. Nothing is allocated once the filter is on. Returns only
/// when the filter could not be installed (with errno set).
int swiftlet_spt_enter(const struct swiftlet_bpf_instruction *filter, unsigned short count,
                       uint64_t stack, uint64_t entry, uint64_t argument);
#endif
