// From the loader's information to the Swift program: the memory map and command line of PVH
// or Multiboot2, the virtio-mmio devices announced on that command line, the writable copy of
// the device manifest, then the Solo5 runtime's start (CShim/libc.c).
#include <stddef.h>
#include <stdint.h>
#include "solo5_abi.h"
#include "swiftlet_solo5.h"
#include "swiftlet_virtio.h"
#include "swiftlet_x86.h"
#include "machine.h"

void swiftlet_solo5_start(const char *cmdline, uintptr_t heap_start, size_t heap_size, uint64_t memory_size)
    __attribute__((noreturn));
extern char __swiftlet_end[];

#define MULTIBOOT2_MAGIC 0x36d76289u
#define PVH_MAGIC 0x336ec578u
#define FOUR_GIB 0x100000000ull

// ---- what the loader said --------------------------------------------------------------------

#define COMMAND_LINE_SIZE 8192
static char command_line[COMMAND_LINE_SIZE];

/// The RAM region that holds the kernel (loaded at 1 MiB): where the heap goes.
static uint64_t ram_start, ram_end;

static void take_command_line(const char *from) {
    size_t length = 0;
    if (from)
        while (from[length] && length < COMMAND_LINE_SIZE - 1) { command_line[length] = from[length]; length++; }
    command_line[length] = 0;
}

static void add_ram(uint64_t base, uint64_t length) {
    uint64_t end = base + length;
    if (base <= 0x100000 && end > 0x100000) { ram_start = base; ram_end = end; }
}

struct pvh_start_info {
    uint32_t magic, version, flags, module_count;
    uint64_t modules, cmdline, rsdp, memory_map;
    uint32_t memory_map_entries, reserved;
};
struct pvh_memory_map_entry { uint64_t address, size; uint32_t type, reserved; };

static void read_pvh(const struct pvh_start_info *info) {
    if (info->magic != PVH_MAGIC) swiftlet_virtio_fail("Swiftlet: started without PVH or Multiboot2 information", 1);
    take_command_line((const char *)(uintptr_t)info->cmdline);
    if (info->version >= 1 && info->memory_map) {
        const struct pvh_memory_map_entry *entry = (const void *)(uintptr_t)info->memory_map;
        for (uint32_t i = 0; i < info->memory_map_entries; i++)
            if (entry[i].type == 1) add_ram(entry[i].address, entry[i].size);
    }
}

struct multiboot2_tag { uint32_t type, size; };
struct multiboot2_memory_map { uint32_t type, size, entry_size, entry_version; };
struct multiboot2_memory_map_entry { uint64_t address, length; uint32_t type, reserved; };
struct multiboot2_basic_memory { uint32_t type, size, lower_kib, upper_kib; };

static void read_multiboot2(const uint8_t *info) {
    uint32_t total = *(const uint32_t *)info;
    const uint8_t *end = info + total;
    int has_map = 0;
    uint64_t upper = 0;
    for (const uint8_t *at = info + 8; at + 8 <= end;) {
        const struct multiboot2_tag *tag = (const void *)at;
        if (tag->type == 0 || tag->size < 8) break;
        if (tag->type == 1) take_command_line((const char *)(at + 8));
        if (tag->type == 4) upper = (uint64_t)((const struct multiboot2_basic_memory *)at)->upper_kib << 10;
        if (tag->type == 6) {
            const struct multiboot2_memory_map *map = (const void *)at;
            for (uint32_t offset = 16; map->entry_size && offset + map->entry_size <= tag->size; offset += map->entry_size) {
                const struct multiboot2_memory_map_entry *entry = (const void *)(at + offset);
                if (entry->type == 1) { add_ram(entry->address, entry->length); has_map = 1; }
            }
        }
        at += (tag->size + 7) & ~7u;
    }
    if (!has_map && upper) add_ram(0x100000, upper);
}

// ---- virtio-mmio devices on the command line ---------------------------------------------------

#define MAX_MMIO_DEVICES 32
static struct { uint64_t base, size; uint32_t gsi; } mmio_devices[MAX_MMIO_DEVICES];
static size_t mmio_count;

size_t swiftlet_virtio_mmio_count(void) { return mmio_count; }

bool swiftlet_virtio_mmio_device(size_t index, uint64_t *base, uint64_t *size, uint32_t *gsi) {
    if (index >= mmio_count) return false;
    *base = mmio_devices[index].base;
    *size = mmio_devices[index].size;
    *gsi = mmio_devices[index].gsi;
    return true;
}

/// Reads a number (decimal, or hex after 0x) with an optional K/M/G multiplier; advances `text`.
static int parse_number(const char **text, uint64_t *value) {
    const char *at = *text;
    uint64_t result = 0;
    unsigned base = 10;
    if (at[0] == '0' && (at[1] == 'x' || at[1] == 'X')) { base = 16; at += 2; }
    const char *digits = at;
    for (;; at++) {
        unsigned digit;
        if (*at >= '0' && *at <= '9') digit = (unsigned)(*at - '0');
        else if (base == 16 && *at >= 'a' && *at <= 'f') digit = (unsigned)(*at - 'a' + 10);
        else if (base == 16 && *at >= 'A' && *at <= 'F') digit = (unsigned)(*at - 'A' + 10);
        else break;
        result = result * base + digit;
    }
    if (at == digits) return 0;
    if (*at == 'K' || *at == 'k') { result <<= 10; at++; }
    else if (*at == 'M' || *at == 'm') { result <<= 20; at++; }
    else if (*at == 'G' || *at == 'g') { result <<= 30; at++; }
    *value = result;
    *text = at;
    return 1;
}

/// Takes Linux's `virtio_mmio.device=SIZE@BASE:IRQ[:ID]` words out of the command line (they
/// are the hypervisor's, not the unikernel's) and records the devices.
static void take_mmio_devices(void) {
    static const char prefix[] = "virtio_mmio.device=";
    char *read = command_line, *write = command_line;
    while (*read) {
        int at_word = read == command_line || read[-1] == ' ';
        size_t matched = 0;
        while (at_word && prefix[matched] && read[matched] == prefix[matched]) matched++;
        if (!at_word || prefix[matched]) { *write++ = *read++; continue; }
        const char *spec = read + matched;
        uint64_t size, base, irq, id;
        if (parse_number(&spec, &size) && *spec++ == '@' && parse_number(&spec, &base) && *spec++ == ':'
            && parse_number(&spec, &irq) && mmio_count < MAX_MMIO_DEVICES) {
            if (*spec == ':') { spec++; parse_number(&spec, &id); }
            mmio_devices[mmio_count].base = base;
            mmio_devices[mmio_count].size = size;
            mmio_devices[mmio_count].gsi = (uint32_t)irq;
            mmio_count++;
        }
        read += matched;
        while (*read && *read != ' ') read++;
        while (*read == ' ') read++;
    }
    while (write > command_line && write[-1] == ' ') write--;
    *write = 0;
}

// ---- the device manifest -----------------------------------------------------------------------

// The generated manifest note (see Sources/Tool/Solo5Manifest.swift): a note header, then the
// manifest with its entries; copied here so the drivers can attach devices in it.
extern const char swiftlet_manifest[];
struct manifest_note_prefix { struct solo5_note_header header; struct solo5_manifest manifest; };
static union {
    struct solo5_manifest manifest;
    char bytes[sizeof(struct solo5_manifest) + SOLO5_MANIFEST_MAX_ENTRIES * sizeof(struct solo5_manifest_entry)];
} writable_manifest;

static void copy_manifest(void) {
    const struct solo5_manifest *original =
        (const void *)(swiftlet_manifest + offsetof(struct manifest_note_prefix, manifest));
    uint32_t entries = original->entries <= SOLO5_MANIFEST_MAX_ENTRIES ? original->entries : SOLO5_MANIFEST_MAX_ENTRIES;
    const char *from = (const char *)original;
    size_t size = sizeof(struct solo5_manifest) + entries * sizeof(struct solo5_manifest_entry);
    for (size_t i = 0; i < size; i++) writable_manifest.bytes[i] = from[i];
    writable_manifest.manifest.entries = entries;
}

struct solo5_manifest *swiftlet_virtio_manifest(void) { return &writable_manifest.manifest; }
const struct solo5_manifest *swiftlet_platform_manifest(void) { return &writable_manifest.manifest; }

// ---- start ---------------------------------------------------------------------------------

/// Called by the entry code in long mode with the loader's %eax and %ebx.
__attribute__((noreturn, no_stack_protector, used))
void swiftlet_virtio_boot(uint32_t magic, uint32_t information) {
    swiftlet_machine_early_init();  // serial console and traps first, so problems can be told
    if (magic == MULTIBOOT2_MAGIC) read_multiboot2((const uint8_t *)(uintptr_t)information);
    else read_pvh((const struct pvh_start_info *)(uintptr_t)information);
    take_mmio_devices();
    copy_manifest();
    swiftlet_machine_init();

    // The heap: from the end of the image to the end of its RAM region, below 4 GiB (what the
    // boot page tables map).
    uint64_t end = ram_end < FOUR_GIB ? ram_end : FOUR_GIB;
    uint64_t heap_start = ((uintptr_t)__swiftlet_end + 4095) & ~4095ull;
    if (end <= heap_start + (1 << 20)) swiftlet_virtio_fail("Swiftlet: no memory map, or too little memory", 1);
    swiftlet_solo5_start(command_line, (uintptr_t)heap_start, (size_t)(end - heap_start), end);
}

const struct solo5_abi1_note swiftlet_abi1_note __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {
    .header = {sizeof(SOLO5_NOTE_NAME), sizeof(struct solo5_abi1_note) - sizeof(struct solo5_note_header),
               SOLO5_ABI1_NOTE_TYPE, SOLO5_NOTE_NAME},
    .target = SOLO5_ABI_VIRTIO, .version = 1,
};

// virtio's entropy: a virtio-rng device (the drivers), else the CPU's (entropy.c); QEMU's
// default TCG CPU has no RDRAND.
const char *swiftlet_entropy_advice(void) {
    return "a virtio-rng device (QEMU: -device virtio-rng-device on microvm, virtio-rng-pci on q35) "
           "or a CPU with RDRAND or RDSEED (QEMU: -cpu max, or -cpu host with KVM)";
}
