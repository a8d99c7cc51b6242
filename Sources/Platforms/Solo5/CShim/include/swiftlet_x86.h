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

#endif
