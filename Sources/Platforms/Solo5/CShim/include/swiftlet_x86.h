// What Swiftlet's bare-metal x86-64 targets (hvt, virtio) share: their own GDT and IDT, so a CPU
// exception prints what happened and ends the unikernel instead of resetting the machine.
#ifndef SWIFTLET_X86_H
#define SWIFTLET_X86_H

#include <stdint.h>

/// Loads Swiftlet's GDT (code 0x08, data 0x10) and an IDT whose first 22 vectors report the
/// exception ("Swiftlet: trap at rip=… error=… cr2=…: page fault") and exit with status 255.
void swiftlet_x86_install_traps(void);

/// Points IDT entry `vector` at `handler` (an interrupt gate: interrupts stay off inside it).
void swiftlet_x86_set_interrupt_gate(uint8_t vector, void (*handler)(void));

static inline uint64_t swiftlet_x86_rdtsc(void) {
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

static inline uint64_t swiftlet_x86_read_msr(uint32_t msr) {
    uint32_t low, high;
    __asm__ volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return ((uint64_t)high << 32) | low;
}

static inline void swiftlet_x86_write_msr(uint32_t msr, uint64_t value) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/// Starts the TSC clock: nanoseconds since now, for a TSC of `frequency` ticks per second.
void swiftlet_x86_tsc_clock_start(uint64_t frequency);
/// Nanoseconds since swiftlet_x86_tsc_clock_start.
uint64_t swiftlet_x86_tsc_clock_now(void);

#endif
