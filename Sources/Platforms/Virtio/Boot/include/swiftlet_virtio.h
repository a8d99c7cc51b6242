// What Swiftlet's virtio boot code (C, this folder) offers the virtio drivers (Swift,
// Sources/Platforms/Virtio/Drivers). The unikernel runs in long mode at ring 0 with memory
// identity-mapped: a pointer's value is its physical address, so DMA buffers are ordinary heap
// memory (aligned_alloc) and their address goes to the device as is.
#ifndef SWIFTLET_VIRTIO_H
#define SWIFTLET_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ---- port and memory-mapped I/O --------------------------------------------------------------

static inline uint8_t swiftlet_inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
static inline uint16_t swiftlet_inw(uint16_t port) {
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
static inline uint32_t swiftlet_inl(uint16_t port) {
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
static inline void swiftlet_outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void swiftlet_outw(uint16_t port, uint16_t value) { __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
static inline void swiftlet_outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }

/// Volatile loads and stores: device registers (MMIO) and the rings the device shares with us.
static inline uint8_t swiftlet_read8(uint64_t address) { return *(volatile uint8_t *)(uintptr_t)address; }
static inline uint16_t swiftlet_read16(uint64_t address) { return *(volatile uint16_t *)(uintptr_t)address; }
static inline uint32_t swiftlet_read32(uint64_t address) { return *(volatile uint32_t *)(uintptr_t)address; }
static inline uint64_t swiftlet_read64(uint64_t address) { return *(volatile uint64_t *)(uintptr_t)address; }
static inline void swiftlet_write8(uint64_t address, uint8_t value) { *(volatile uint8_t *)(uintptr_t)address = value; }
static inline void swiftlet_write16(uint64_t address, uint16_t value) { *(volatile uint16_t *)(uintptr_t)address = value; }
static inline void swiftlet_write32(uint64_t address, uint32_t value) { *(volatile uint32_t *)(uintptr_t)address = value; }
static inline void swiftlet_write64(uint64_t address, uint64_t value) { *(volatile uint64_t *)(uintptr_t)address = value; }

/// A full barrier: the device sees every earlier store before any later one (ring updates
/// before the index that publishes them, the index before the notification).
static inline void swiftlet_memory_barrier(void) { __asm__ volatile("mfence" : : : "memory"); }

/// Spinning politely while waiting for a device.
static inline void swiftlet_cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }

/// Maps `size` bytes of device memory at physical `address` (a PCI BAR above 4 GiB, say) into
/// the identity map, uncached. Memory below 4 GiB is mapped from boot. False if the page-table
/// pool is exhausted.
bool swiftlet_map_device_memory(uint64_t address, uint64_t size);

// ---- virtio-mmio devices the hypervisor announced ------------------------------------------
// QEMU's microvm and Firecracker describe their virtio-mmio devices on the kernel command line
// (`virtio_mmio.device=512@0xfeb00e00:12`, Linux's syntax); the boot code takes those words
// out of the command line before the unikernel parses its runtime arguments.

/// How many virtio-mmio devices were announced.
size_t swiftlet_virtio_mmio_count(void);
/// The `index`th announced device: register window and interrupt (a GSI of the I/O APIC).
bool swiftlet_virtio_mmio_device(size_t index, uint64_t *base, uint64_t *size, uint32_t *gsi);

// ---- interrupts ----------------------------------------------------------------------------
// Interrupts are disabled everywhere except inside swiftlet_halt_until (all code is built with
// the red zone an interrupt frame would overwrite). Device interrupts only wake the CPU from
// that `hlt`: the handler acknowledges the local APIC and returns, and the drivers then poll
// their rings. So every device may share one vector.

/// The vector device interrupts arrive on.
#define SWIFTLET_DEVICE_VECTOR 0x21

/// Routes I/O APIC input `gsi` (virtio-mmio, legacy INTx) to SWIFTLET_DEVICE_VECTOR on this CPU,
/// edge-triggered, and unmasks it. False if no I/O APIC has that input.
bool swiftlet_route_irq(uint32_t gsi);

/// The address and data of an MSI or MSI-X message that raises SWIFTLET_DEVICE_VECTOR here.
uint64_t swiftlet_msi_address(void);
uint32_t swiftlet_msi_data(void);

/// Sleeps (`sti; hlt`) until an interrupt arrives or the monotonic clock reaches `deadline`
/// (nanoseconds), whichever is first; an interrupt that arrived since the last halt ends it at
/// once. Returns with interrupts disabled again.
void swiftlet_halt_until(uint64_t deadline);

// ---- the device manifest -------------------------------------------------------------------

/// The unikernel's Solo5 manifest, copied out of its ELF note into writable memory. The drivers
/// attach each declared device to a virtio device (fill in `device`, set `attached`), as a tender
/// does on spt and hvt; solo5_net_acquire and solo5_block_acquire then read it.
struct solo5_manifest *swiftlet_virtio_manifest(void);

/// Ends the unikernel with a message on the console and `status` (the boot code's exit path).
void swiftlet_virtio_fail(const char *message, int status) __attribute__((noreturn));

#endif
