// A minimal hvt guest in freestanding C, without SSE, so it runs even where KVM only emulates
// guests (this project's CI machines). It checks the boot information and the hypercalls of
// swiftlet-hvt: console, wall clock, command line, and halt with a status.
// Built by Tests/ToolTests/HVTTenderTests.swift; -DBAD_ACCESS makes a hypercall point outside
// guest memory, which the tender must refuse; -DX87 adds floating-point checks in x87 code.
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

#ifdef X87
// Floating point without SSE is x87 code, which a KVM that emulates its guests cannot run and
// swiftlet-hvt completes: the instructions hvt images hold (a hash table's growth, ceil), and
// the other forms the tender decodes. Each failed check sets one bit of the result.
static int x87_checks(void) {
    int failures = 0;
    volatile int64_t capacity = 1000;
    volatile float load = 0.75f;
    volatile double grown = (double)capacity / load;          // fildll, fdivs, fstpl
    if ((int64_t)grown != 1333) failures |= 1;                // fnstcw, fldcw, fistpll
    volatile double a = 1.5, b = 2.5;
    if (!(a < b) || a == b || !(b > a)) failures |= 2;        // fucomip
    volatile double product = a * b + 1.0;                    // fmul, fadd (fld1)
    if (product != 4.75) failures |= 4;
    volatile float narrow = (float)(b - a * 3.0);             // fsub(r), fstps
    if (narrow != -2.0f) failures |= 8;
    volatile double negative = -a;                            // fchs
    if ((int32_t)negative != -1) failures |= 16;              // fistpl
    int64_t nearest;
    __asm__ volatile("fldl %1\n\tfrndint\n\tfistpll %0" : "=m"(nearest) : "m"(b));  // round to nearest even: 2
    if (nearest != 2) failures |= 32;
    uint16_t statusWord = 0xffff;
    __asm__ volatile("fld1\n\tfldz\n\tfxch\n\tfcompp\n\tfnstsw %0" : "=m"(statusWord));  // 1 > 0: C0 = C2 = C3 = 0
    if (statusWord & 0x4500) failures |= 64;
    volatile int16_t small = 300;
    volatile double quotient = b / (double)small * 600.0;     // filds, fdiv, fmul
    if ((int64_t)(quotient * 100.0) != 500) failures |= 128;
    return failures;
}
#endif

void _start(const struct hvt_boot_info *info) {
    int status = 7;
#ifdef X87
    int failures = x87_checks();
    if (failures) {
        char text[] = "FAILURE: x87 checks 0x00\n";
        text[22] = "0123456789abcdef"[(failures >> 4) & 15];
        text[23] = "0123456789abcdef"[failures & 15];
        say(text);
        status = 1;
    } else {
        say("x87: every check passed\n");
    }
#endif
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
