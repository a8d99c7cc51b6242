// A minimal hvt guest in freestanding C, without SSE, so it runs even where KVM only emulates
// guests (this project's CI machines). It checks the boot information and the hypercalls of
// swiftlet-hvt: console, wall clock, command line, and halt with a status.
// Built by Tests/ToolTests/HVTTenderTests.swift; -DBAD_ACCESS makes a hypercall point outside
// guest memory, which the tender must refuse.
#include <stddef.h>
#include <stdint.h>
#include "solo5_abi.h"

static void hypercall(int number, volatile void *argument) {
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)argument), "d"((uint16_t)(HVT_HYPERCALL_PORT_BASE + number))
                     : "memory");
}

static void say(const char *text) {
    size_t length = 0;
    while (text[length]) length++;
    volatile struct hvt_puts puts = {(uint64_t)(uintptr_t)text, length};
    hypercall(HVT_HYPERCALL_PUTS, &puts);
}

void _start(const struct hvt_boot_info *info) {
    int status = 7;
    say("SUCCESS: hvt guest, command line: ");
    say((const char *)(uintptr_t)info->cmdline);
    say("\n");
    volatile struct hvt_walltime now = {0};
    hypercall(HVT_HYPERCALL_WALLTIME, &now);
    if (now.nanoseconds < 1700000000ULL * 1000000000ULL) { say("FAILURE: wall clock\n"); status = 1; }
    if (info->cpu_cycle_frequency == 0 || info->memory_size != 64u << 20) { say("FAILURE: boot info\n"); status = 1; }
#ifdef BAD_ACCESS
    volatile struct hvt_puts outside = {info->memory_size + 4096, 16};
    hypercall(HVT_HYPERCALL_PUTS, &outside);
    say("FAILURE: the tender accepted an address outside guest memory\n");
#endif
    volatile struct hvt_halt halt = {0, status};
    hypercall(HVT_HYPERCALL_HALT, &halt);
    for (;;) {}
}

const struct solo5_abi1_note abi_note __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {
    .header = {sizeof(SOLO5_NOTE_NAME), sizeof(struct solo5_abi1_note) - sizeof(struct solo5_note_header),
               SOLO5_ABI1_NOTE_TYPE, SOLO5_NOTE_NAME},
    .target = SOLO5_ABI_HVT, .version = SOLO5_HVT_ABI_VERSION,
};

const struct { struct solo5_note_header header; struct solo5_manifest manifest; struct solo5_manifest_entry entry[1]; }
    manifest_note __attribute__((section(".note.solo5.manifest"), aligned(8), used)) = {
    .header = {sizeof(SOLO5_NOTE_NAME), sizeof(manifest_note) - sizeof(struct solo5_note_header), SOLO5_MFT1_NOTE_TYPE, SOLO5_NOTE_NAME},
    .manifest = {SOLO5_MANIFEST_VERSION, 1},
    .entry = {{.name = "", .type = SOLO5_DEVICE_RESERVED_FIRST}},
};
