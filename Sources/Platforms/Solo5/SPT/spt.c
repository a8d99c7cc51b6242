// Swiftlet's bindings for Solo5's spt target: the unikernel is a static ELF that the tender
// (swiftlet-spt or solo5-spt) maps into a seccomp-sandboxed Linux process. Its only way out is
// the handful of Linux system calls the tender's filter allows, made directly here.
#include <stdint.h>
#include "swiftlet_solo5.h"
#include "solo5_abi.h"

void swiftlet_solo5_start(const char *cmdline, uintptr_t heap_start, size_t heap_size, uint64_t memory_size)
    __attribute__((noreturn));

// ---- system calls (x86_64 Linux numbers) ---------------------------------------------------

enum {
    SYS_read = 0, SYS_write = 1, SYS_pread64 = 17, SYS_pwrite64 = 18, SYS_arch_prctl = 158,
    SYS_clock_gettime = 228, SYS_exit_group = 231, SYS_epoll_pwait = 281, SYS_timerfd_settime = 286,
};

static long syscall6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

struct kernel_timespec { long seconds; long nanoseconds; };
struct kernel_itimerspec { struct kernel_timespec interval, value; };
struct kernel_epoll_event { uint32_t events; uint64_t data; } __attribute__((packed));

// ---- state from the boot information -------------------------------------------------------

static const struct spt_boot_info *boot_info;

const struct solo5_manifest *swiftlet_platform_manifest(void) { return boot_info->manifest; }


// ---- the Solo5 interface -------------------------------------------------------------------

void solo5_exit(int status) {
    for (;;) syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

void solo5_abort(void) { solo5_exit(255); }

static solo5_time_t clock_read(int clock) {
    struct kernel_timespec now;
    syscall6(SYS_clock_gettime, clock, (long)&now, 0, 0, 0, 0);
    return (solo5_time_t)now.seconds * 1000000000ULL + (solo5_time_t)now.nanoseconds;
}

solo5_time_t solo5_clock_monotonic(void) { return clock_read(1); }
solo5_time_t solo5_clock_wall(void) { return clock_read(0); }

void solo5_console_write(const char *buffer, size_t size) {
    syscall6(SYS_write, 1, (long)buffer, (long)size, 0, 0, 0);
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set) {
    solo5_handle_set_t ready = 0;
    // An absolute CLOCK_MONOTONIC deadline on the tender's timerfd; 0 means already due.
    struct kernel_itimerspec timer = {{0, 0}, {(long)(deadline / 1000000000ULL), (long)(deadline % 1000000000ULL)}};
    if (deadline == 0) timer.value.nanoseconds = 1;
    if (syscall6(SYS_timerfd_settime, boot_info->timer_descriptor, 1 /* TFD_TIMER_ABSTIME */, (long)&timer, 0, 0, 0) == 0) {
        struct kernel_epoll_event events[SOLO5_MANIFEST_MAX_ENTRIES];
        long count;
        do {
            count = syscall6(SYS_epoll_pwait, boot_info->epoll_descriptor, (long)events, SOLO5_MANIFEST_MAX_ENTRIES, -1, 0, 8);
        } while (count == -4 /* EINTR */);
        for (long i = 0; i < count; i++) {
            if (events[i].data != SPT_INTERNAL_TIMER_DATA && events[i].data < 64) ready |= 1ULL << events[i].data;
        }
    }
    if (ready_set) *ready_set = ready;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buffer, size_t size) {
    const struct solo5_manifest_entry *entry = swiftlet_device(handle, SOLO5_DEVICE_NET);
    if (!entry) return SOLO5_R_EINVAL;
    long written = syscall6(SYS_write, entry->backing.host_descriptor, (long)buffer, (long)size, 0, 0, 0);
    return written == (long)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buffer, size_t size, size_t *read_size) {
    const struct solo5_manifest_entry *entry = swiftlet_device(handle, SOLO5_DEVICE_NET);
    if (!entry) return SOLO5_R_EINVAL;
    long count = syscall6(SYS_read, entry->backing.host_descriptor, (long)buffer, (long)size, 0, 0, 0);
    if (count == -11 /* EAGAIN */) return SOLO5_R_AGAIN;
    if (count < 0) return SOLO5_R_EUNSPEC;
    *read_size = (size_t)count;
    return SOLO5_R_OK;
}

static solo5_result_t block_io(long call, solo5_handle_t handle, solo5_off_t offset, const uint8_t *buffer, size_t size) {
    const struct solo5_manifest_entry *entry = swiftlet_device(handle, SOLO5_DEVICE_BLOCK);
    if (!entry) return SOLO5_R_EINVAL;
    uint64_t block = entry->device.block.block_size;
    // Whole blocks, inside the device (the same rule Solo5 applies).
    if (block == 0 || offset % block != 0 || size % block != 0 || size == 0 || offset > entry->device.block.capacity
        || size > entry->device.block.capacity - offset) return SOLO5_R_EINVAL;
    long done = syscall6(call, entry->backing.host_descriptor, (long)buffer, (long)size, (long)offset, 0, 0);
    return done == (long)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buffer, size_t size) {
    return block_io(SYS_pwrite64, handle, offset, buffer, size);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buffer, size_t size) {
    return block_io(SYS_pread64, handle, offset, buffer, size);
}

// ---- what the common runtime needs ---------------------------------------------------------

int swiftlet_platform_set_tls_base(uintptr_t base) {
    return syscall6(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)base, 0, 0, 0, 0) == 0 ? 0 : -1;
}

uint64_t swiftlet_platform_cpu_ticks(void) {
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

// ---- entry ---------------------------------------------------------------------------------

extern char __swiftlet_end[];

/// The tender calls this with the boot information, on the stack it set up.
__attribute__((noreturn, no_stack_protector))
void _start(const struct spt_boot_info *info) {
    boot_info = info;
    uintptr_t heap_start = ((uintptr_t)info->kernel_end + 4095) & ~(uintptr_t)4095;
    // The stack grows down from the top of guest memory; keep 1 MiB for it.
    uintptr_t stack_reserve = 1 << 20;
    size_t heap_size = info->memory_size - stack_reserve > heap_start ? info->memory_size - stack_reserve - heap_start : 0;
    swiftlet_solo5_start(info->cmdline, heap_start, heap_size, info->memory_size);
}

// ---- ELF notes the tenders look for --------------------------------------------------------

// Solo5 tenders refuse a binary without this note, or for another target or ABI version.
const struct solo5_abi1_note swiftlet_abi1_note __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {
    .header = {sizeof(SOLO5_NOTE_NAME), sizeof(struct solo5_abi1_note) - sizeof(struct solo5_note_header),
               SOLO5_ABI1_NOTE_TYPE, SOLO5_NOTE_NAME},
    .target = SOLO5_ABI_SPT, .version = SOLO5_SPT_ABI_VERSION,
};
