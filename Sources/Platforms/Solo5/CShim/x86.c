// The GDT, IDT and TSC clock of Swiftlet's bare-metal x86-64 targets (hvt, virtio); see
// swiftlet_x86.h.
// The spt target links this file too, and --gc-sections drops it there.
#include <stdint.h>
#include "swiftlet_solo5.h"
#include "swiftlet_x86.h"

static const char *const trap_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection fault", "page fault", "reserved", "x87 floating-point error",
    "alignment check", "machine check", "SIMD floating-point error", "virtualization", "control protection",
};

static void hex(char *to, uint64_t value) {
    for (int i = 15; i >= 0; i--) { to[i] = "0123456789abcdef"[value & 15]; value >>= 4; }
}

/// Called by the trap stubs with the vector, the error code (0 if none) and the faulting RIP.
__attribute__((used, noreturn)) void swiftlet_x86_trap(uint64_t vector, uint64_t error, uint64_t rip) {
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    char line[] = "Swiftlet: trap at rip=0x................ error=0x................ cr2=0x................: ";
    hex(line + 24, rip);
    hex(line + 49, error);
    hex(line + 72, cr2);
    swiftlet_console_flush_pending();
    solo5_console_write(line, sizeof line - 1);
    const char *name = vector < 32 && trap_names[vector] ? trap_names[vector] : "exception";
    size_t length = 0;
    while (name[length]) length++;
    solo5_console_write(name, length);
    solo5_console_write("\n", 1);
    solo5_exit(255);
}

// One stub per vector: push a zero error code where the CPU pushes none, then the vector.
#define TRAP_WITHOUT_ERROR(n) "trap_" #n ": push $0\n push $" #n "\n jmp trap_common\n"
#define TRAP_WITH_ERROR(n) "trap_" #n ": push $" #n "\n jmp trap_common\n"
__asm__(".text\n"
        TRAP_WITHOUT_ERROR(0) TRAP_WITHOUT_ERROR(1) TRAP_WITHOUT_ERROR(2) TRAP_WITHOUT_ERROR(3)
        TRAP_WITHOUT_ERROR(4) TRAP_WITHOUT_ERROR(5) TRAP_WITHOUT_ERROR(6) TRAP_WITHOUT_ERROR(7)
        TRAP_WITH_ERROR(8) TRAP_WITHOUT_ERROR(9) TRAP_WITH_ERROR(10) TRAP_WITH_ERROR(11)
        TRAP_WITH_ERROR(12) TRAP_WITH_ERROR(13) TRAP_WITH_ERROR(14) TRAP_WITHOUT_ERROR(15)
        TRAP_WITHOUT_ERROR(16) TRAP_WITH_ERROR(17) TRAP_WITHOUT_ERROR(18) TRAP_WITHOUT_ERROR(19)
        TRAP_WITHOUT_ERROR(20) TRAP_WITH_ERROR(21)
        "trap_common:\n"
        "  pop %rdi\n"            // vector
        "  pop %rsi\n"            // error code
        "  mov (%rsp), %rdx\n"    // the RIP the CPU pushed
        "  and $-16, %rsp\n"
        "  call swiftlet_x86_trap\n");
extern char trap_0[], trap_1[], trap_2[], trap_3[], trap_4[], trap_5[], trap_6[], trap_7[], trap_8[], trap_9[],
    trap_10[], trap_11[], trap_12[], trap_13[], trap_14[], trap_15[], trap_16[], trap_17[], trap_18[], trap_19[],
    trap_20[], trap_21[];

static uint64_t gdt[3] = {0, 0x00AF9A000000FFFFull /* code, 64-bit */, 0x00CF92000000FFFFull /* data */};
static struct { uint64_t low, high; } idt[256];

__attribute__((no_stack_protector)) void swiftlet_x86_set_interrupt_gate(uint8_t vector, void (*handler)(void)) {
    uint64_t at = (uint64_t)(uintptr_t)handler;
    // Present, ring 0, 64-bit interrupt gate, code selector 0x08.
    idt[vector].low = (at & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((at >> 16 & 0xffff) << 48);
    idt[vector].high = at >> 32;
}

// Runs before the thread block holding the stack canary exists: no stack protector.
__attribute__((no_stack_protector)) void swiftlet_x86_install_traps(void) {
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {sizeof gdt - 1, (uint64_t)(uintptr_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "  pushq $0x08\n  leaq 1f(%%rip), %%rax\n  pushq %%rax\n  lretq\n"
                     "1: movw $0x10, %%ax\n  movw %%ax, %%ds\n  movw %%ax, %%es\n  movw %%ax, %%ss\n"
                     : : "m"(gdtr) : "rax", "memory");
    char *stubs[22] = {trap_0, trap_1, trap_2, trap_3, trap_4, trap_5, trap_6, trap_7, trap_8, trap_9, trap_10,
                       trap_11, trap_12, trap_13, trap_14, trap_15, trap_16, trap_17, trap_18, trap_19, trap_20, trap_21};
    for (int i = 0; i < 22; i++) swiftlet_x86_set_interrupt_gate((uint8_t)i, (void (*)(void))stubs[i]);
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

// ---- the TSC clock -------------------------------------------------------------------------

static uint64_t tsc_at_start, nanoseconds_per_tick_scaled;
static unsigned tick_shift;

// nanoseconds = ticks * 10^9 / frequency, as (ticks * multiplier) >> shift with the largest shift
// whose multiplier fits 32 bits: exact enough, and no 128-bit division at run time.
__attribute__((no_stack_protector)) void swiftlet_x86_tsc_clock_start(uint64_t frequency) {
    tick_shift = 32;
    while (tick_shift > 0 && (1000000000ull << tick_shift) / frequency > 0xffffffffull) tick_shift--;
    nanoseconds_per_tick_scaled = (1000000000ull << tick_shift) / frequency;
    tsc_at_start = swiftlet_x86_rdtsc();
}

uint64_t swiftlet_x86_tsc_clock_now(void) {
    unsigned __int128 ticks = swiftlet_x86_rdtsc() - tsc_at_start;
    return (uint64_t)((ticks * nanoseconds_per_tick_scaled) >> tick_shift);
}
