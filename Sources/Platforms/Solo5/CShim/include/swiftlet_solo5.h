// The Solo5 guest interface (the calls of Solo5's solo5.h), as Swiftlet's bindings implement
// it on each Solo5 target, plus the few hooks Swiftlet's runtime adds. Written for Swiftlet;
// the names and semantics follow Solo5 so that guests and tenders interoperate.
#ifndef SWIFTLET_SOLO5_H
#define SWIFTLET_SOLO5_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SOLO5_R_OK = 0,      // the call succeeded
    SOLO5_R_AGAIN = 1,   // nothing to read now (net_read), try after yield
    SOLO5_R_EINVAL = 2,  // bad argument
    SOLO5_R_EUNSPEC = 3, // the device or host failed
} solo5_result_t;

typedef uint64_t solo5_time_t;
typedef uint64_t solo5_handle_t;
typedef uint64_t solo5_handle_set_t;
typedef uint64_t solo5_off_t;

struct solo5_net_info {
    uint8_t mac_address[6];
    size_t mtu;
};

struct solo5_block_info {
    solo5_off_t capacity;
    solo5_off_t block_size;
};

void solo5_exit(int status) __attribute__((noreturn));
void solo5_abort(void) __attribute__((noreturn));
solo5_time_t solo5_clock_monotonic(void);
solo5_time_t solo5_clock_wall(void);
/// Blocks until `deadline` (monotonic ns) or until a device in the manifest has input; sets
/// `*ready_set` to the handles that have.
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);
void solo5_console_write(const char *buffer, size_t size);
/// Writes the console output Swift has gathered this turn (ConsoleBuffer), if any: called
/// before the shim's own messages (panics, traps, aborts) so they keep their order.
void swiftlet_console_flush_pending(void);
solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle, struct solo5_net_info *info);
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buffer, size_t size);
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buffer, size_t size, size_t *read_size);
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle, struct solo5_block_info *info);
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buffer, size_t size);
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buffer, size_t size);

// Swiftlet's additions, implemented by the common runtime (libc.c).

/// The unikernel's command line (runtime arguments), as the tender passed it.
const char *swiftlet_cmdline(void);
/// The attached device `handle` of manifest type `type`, or NULL (an opaque manifest entry for
/// the targets' bindings; see solo5_abi.h).
const struct solo5_manifest_entry *swiftlet_device(solo5_handle_t handle, uint32_t type);

/// Called once the heap works, before the Swift program starts: a target whose devices are
/// found by the unikernel itself (virtio) probes them here. The default does nothing.
void swiftlet_platform_devices_init(void);

/// Fills `buffer` from the CPU's entropy instructions (RDSEED, else RDRAND, where CPUID has them;
/// retries bounded); returns 1, or 0 when there is no source or it keeps failing (entropy.c).
int swiftlet_entropy_fill(void *buffer, size_t size);
/// A device that fills buffers with entropy (virtio-rng on virtio), asked before the CPU when
/// set; returns 1, or 0 on failure.
extern int (*swiftlet_entropy_device)(void *buffer, size_t size);
/// What to add for an entropy source on this target (virtio overrides the default).
const char *swiftlet_entropy_advice(void);

/// Heap statistics, for tests and the boot banner.
size_t swiftlet_heap_free_bytes(void);
size_t swiftlet_heap_size(void);

#endif
