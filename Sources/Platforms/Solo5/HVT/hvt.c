// Swiftlet's bindings for Solo5's hvt target: the unikernel runs in a KVM virtual machine, in
// long mode at ring 0, and reaches the tender (swiftlet-hvt or solo5-hvt) only through
// hypercalls: 32-bit OUTs to ports 0x500 + n carrying the address of an argument structure.
#include <stdint.h>
#include "swiftlet_solo5.h"
#include "solo5_abi.h"
#include "swiftlet_x86.h"

void swiftlet_solo5_start(const char *cmdline, uintptr_t heap_start, size_t heap_size, uint64_t memory_size)
    __attribute__((noreturn));

static const struct hvt_boot_info *boot_info;

static void hypercall(int number, volatile void *argument) {
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)argument),
                     "d"((uint16_t)(HVT_HYPERCALL_PORT_BASE + number)) : "memory");
}

// ---- time: the TSC, scaled by the frequency the tender measured ---------------------------

uint64_t swiftlet_platform_cpu_ticks(void) { return swiftlet_x86_rdtsc(); }

solo5_time_t solo5_clock_monotonic(void) { return swiftlet_x86_tsc_clock_now(); }

solo5_time_t solo5_clock_wall(void) {
    volatile struct hvt_walltime now = {0};
    hypercall(HVT_HYPERCALL_WALLTIME, &now);
    return now.nanoseconds;
}

// ---- the Solo5 interface -------------------------------------------------------------------

void solo5_exit(int status) {
    volatile struct hvt_halt halt = {0, status};
    hypercall(HVT_HYPERCALL_HALT, &halt);
    for (;;) __asm__ volatile("hlt");
}

void solo5_abort(void) { solo5_exit(255); }

void solo5_console_write(const char *buffer, size_t size) {
    volatile struct hvt_puts puts = {(uint64_t)(uintptr_t)buffer, size};
    hypercall(HVT_HYPERCALL_PUTS, &puts);
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set) {
    solo5_time_t now = solo5_clock_monotonic();
    volatile struct hvt_poll poll = {deadline > now ? deadline - now : 0, 0, 0};
    hypercall(HVT_HYPERCALL_POLL, &poll);
    if (ready_set) *ready_set = poll.ready_set;
}

const struct solo5_manifest *swiftlet_platform_manifest(void) {
    return (const struct solo5_manifest *)(uintptr_t)boot_info->manifest;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buffer, size_t size) {
    volatile struct hvt_net_io io = {handle, (uint64_t)(uintptr_t)buffer, size, 0};
    hypercall(HVT_HYPERCALL_NET_WRITE, &io);
    return (solo5_result_t)io.result;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buffer, size_t size, size_t *read_size) {
    volatile struct hvt_net_io io = {handle, (uint64_t)(uintptr_t)buffer, size, 0};
    hypercall(HVT_HYPERCALL_NET_READ, &io);
    if (io.result == SOLO5_R_OK) *read_size = io.length;
    return (solo5_result_t)io.result;
}

static solo5_result_t block_io(int call, solo5_handle_t handle, solo5_off_t offset, const uint8_t *buffer, size_t size) {
    const struct solo5_manifest_entry *entry = swiftlet_device(handle, SOLO5_DEVICE_BLOCK);
    if (!entry) return SOLO5_R_EINVAL;
    uint64_t block = entry->device.block.block_size;
    // One whole block per call, as Solo5's guests do.
    if (block == 0 || offset % block != 0 || size != block) return SOLO5_R_EINVAL;
    volatile struct hvt_block_io io = {handle, offset, (uint64_t)(uintptr_t)buffer, size, 0};
    hypercall(call, &io);
    return (solo5_result_t)io.result;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buffer, size_t size) {
    return block_io(HVT_HYPERCALL_BLOCK_WRITE, handle, offset, buffer, size);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buffer, size_t size) {
    return block_io(HVT_HYPERCALL_BLOCK_READ, handle, offset, buffer, size);
}

int swiftlet_platform_set_tls_base(uintptr_t base) {
    swiftlet_x86_write_msr(0xc0000100u, base);  // FS base
    return 0;
}

// ---- entry ---------------------------------------------------------------------------------

/// The tender starts the vCPU here, in long mode, with the boot information's address in %rdi.
__attribute__((noreturn, no_stack_protector))
void _start(const struct hvt_boot_info *info) {
    boot_info = info;
    swiftlet_x86_install_traps();
    swiftlet_x86_tsc_clock_start(info->cpu_cycle_frequency);
    uintptr_t heap_start = ((uintptr_t)info->kernel_end + 4095) & ~(uintptr_t)4095;
    uintptr_t stack_reserve = 1 << 20;
    size_t heap_size = info->memory_size - stack_reserve > heap_start ? info->memory_size - stack_reserve - heap_start : 0;
    swiftlet_solo5_start((const char *)(uintptr_t)info->cmdline, heap_start, heap_size, info->memory_size);
}

// ---- ELF notes -----------------------------------------------------------------------------

const struct solo5_abi1_note swiftlet_abi1_note __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {
    .header = {sizeof(SOLO5_NOTE_NAME), sizeof(struct solo5_abi1_note) - sizeof(struct solo5_note_header),
               SOLO5_ABI1_NOTE_TYPE, SOLO5_NOTE_NAME},
    .target = SOLO5_ABI_HVT, .version = SOLO5_HVT_ABI_VERSION,
};
