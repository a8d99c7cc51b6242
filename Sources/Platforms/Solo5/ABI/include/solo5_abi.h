// The guest-to-tender ABI of Solo5 v0.12 that Swiftlet's guests and tenders share: ELF notes,
// the device manifest and the spt boot information, laid out bit for bit as Solo5's tenders
// expect them. See docs/solo5-abi.md for the rules; the sizes are checked below.
#ifndef SWIFTLET_SOLO5_ABI_H
#define SWIFTLET_SOLO5_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ELF notes are named "Solo5" (6 bytes, padded to 8).
#define SOLO5_NOTE_NAME "Solo5"
#define SOLO5_ABI1_NOTE_TYPE 0x31494241u  // "ABI1"
#define SOLO5_MFT1_NOTE_TYPE 0x3154464du  // "MFT1"

enum solo5_abi_target { SOLO5_ABI_HVT = 1, SOLO5_ABI_SPT = 2, SOLO5_ABI_VIRTIO = 3 };
#define SOLO5_SPT_ABI_VERSION 2
#define SOLO5_HVT_ABI_VERSION 2

struct solo5_note_header {
    uint32_t name_size;
    uint32_t description_size;
    uint32_t type;
    char name[8];
};

struct solo5_abi1_note {
    struct solo5_note_header header;
    uint32_t target;
    uint32_t version;
    uint32_t reserved[2];
};

// The manifest: the devices a unikernel declares, which the tender attaches by name.
enum solo5_device_type { SOLO5_DEVICE_BLOCK = 1, SOLO5_DEVICE_NET = 2, SOLO5_DEVICE_RESERVED_FIRST = 1u << 30 };
#define SOLO5_MANIFEST_VERSION 1
#define SOLO5_MANIFEST_NAME_SIZE 68
#define SOLO5_MANIFEST_MAX_ENTRIES 64

struct solo5_manifest_entry {
    char name[SOLO5_MANIFEST_NAME_SIZE];
    uint32_t type;                       // enum solo5_device_type
    union {
        struct { uint64_t capacity; uint16_t block_size; } block;
        struct { uint8_t mac[6]; uint16_t mtu; } net;
    } device;                            // filled in by the tender
    union { int host_descriptor; void *data; } backing;  // filled in by the tender
    bool attached;                       // set by the tender
};

struct solo5_manifest {
    uint32_t version;
    uint32_t entries;
    struct solo5_manifest_entry entry[];
};

_Static_assert(sizeof(struct solo5_note_header) == 20, "note header");
_Static_assert(sizeof(struct solo5_abi1_note) == 36, "ABI1 note");
_Static_assert(offsetof(struct solo5_manifest_entry, type) == 68, "manifest entry type");
_Static_assert(offsetof(struct solo5_manifest_entry, device) == 72, "manifest entry device");
_Static_assert(offsetof(struct solo5_manifest_entry, backing) == 88, "manifest entry backing");
_Static_assert(offsetof(struct solo5_manifest_entry, attached) == 96, "manifest entry attached");
_Static_assert(sizeof(struct solo5_manifest_entry) == 104, "manifest entry");
_Static_assert(sizeof(struct solo5_manifest) == 8, "manifest header");

// spt: what the tender hands the guest's entry point (in %rdi).
struct spt_boot_info {
    uint64_t memory_size;
    uint64_t kernel_end;
    const char *cmdline;
    const struct solo5_manifest *manifest;
    int epoll_descriptor;
    int timer_descriptor;
};
_Static_assert(sizeof(struct spt_boot_info) == 40, "spt boot info");
#define SPT_INTERNAL_TIMER_DATA 0xfffffffeu  // epoll data of the timerfd: (~1U)
#define SPT_GUEST_MIN_BASE 0x100000
#define SPT_HOST_MEMORY_BASE 0x10000
#define SPT_BOOT_INFO_BASE (SPT_HOST_MEMORY_BASE + 0x1000)
#define SPT_CMDLINE_SIZE 8192

// hvt: what the tender leaves at guest physical address 0x10000 (pointer fields are guest
// addresses). Bytes 40..55 came in Solo5 v0.11 (a network ring we do not offer: left zero).
struct hvt_boot_info {
    uint64_t memory_size;
    uint64_t kernel_end;
    uint64_t cpu_cycle_frequency;  // TSC ticks per second
    uint64_t cmdline;
    uint64_t manifest;
    uint32_t host_features;
    uint32_t guest_features;
    uint64_t net_ring;
};
_Static_assert(sizeof(struct hvt_boot_info) == 56, "hvt boot info");
#define HVT_BOOT_INFO_BASE 0x10000
#define HVT_GUEST_MIN_BASE 0x100000

// hvt hypercalls: a 32-bit OUT to port 0x500 + number, carrying the guest address of the
// argument structure below.
#define HVT_HYPERCALL_PORT_BASE 0x500
enum hvt_hypercall {
    HVT_HYPERCALL_WALLTIME = 1, HVT_HYPERCALL_PUTS, HVT_HYPERCALL_POLL, HVT_HYPERCALL_BLOCK_WRITE,
    HVT_HYPERCALL_BLOCK_READ, HVT_HYPERCALL_NET_WRITE, HVT_HYPERCALL_NET_READ, HVT_HYPERCALL_HALT,
};
struct hvt_walltime { uint64_t nanoseconds; };
struct hvt_puts { uint64_t data; uint64_t length; };
struct hvt_poll { uint64_t timeout_nanoseconds; uint64_t ready_set; int32_t result; };
struct hvt_block_io { uint64_t handle; uint64_t offset; uint64_t data; uint64_t length; int32_t result; };
struct hvt_net_io { uint64_t handle; uint64_t data; uint64_t length; int32_t result; };
struct hvt_halt { uint64_t cookie; int32_t exit_status; };
_Static_assert(sizeof(struct hvt_poll) == 24 && sizeof(struct hvt_block_io) == 40, "hvt hypercalls");
_Static_assert(sizeof(struct hvt_net_io) == 32 && sizeof(struct hvt_halt) == 16, "hvt hypercalls");

#endif
