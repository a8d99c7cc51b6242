// What every Solo5 target's bindings share about devices: finding them in the manifest the
// tender patched, and the ELF notes that do not depend on the target. Each target provides
// swiftlet_platform_manifest() and its own ABI1 note.
#include <stdint.h>
#include "swiftlet_solo5.h"
#include "solo5_abi.h"

const struct solo5_manifest *swiftlet_platform_manifest(void);

const struct solo5_manifest_entry *swiftlet_device(solo5_handle_t handle, uint32_t type) {
    const struct solo5_manifest *manifest = swiftlet_platform_manifest();
    if (handle == 0 || handle >= manifest->entries) return 0;  // entry 0 is Solo5's reserved one
    const struct solo5_manifest_entry *entry = &manifest->entry[handle];
    return entry->type == type && entry->attached ? entry : 0;
}

static solo5_result_t acquire(const char *name, uint32_t type, solo5_handle_t *handle) {
    const struct solo5_manifest *manifest = swiftlet_platform_manifest();
    for (uint32_t index = 1; index < manifest->entries; index++) {
        const struct solo5_manifest_entry *entry = &manifest->entry[index];
        int same = 1;
        for (int i = 0; i < SOLO5_MANIFEST_NAME_SIZE; i++) {
            if (entry->name[i] != name[i]) { same = 0; break; }
            if (!name[i]) break;
        }
        if (same && entry->type == type && entry->attached) { *handle = index; return SOLO5_R_OK; }
    }
    return SOLO5_R_EINVAL;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle, struct solo5_net_info *info) {
    solo5_result_t result = acquire(name, SOLO5_DEVICE_NET, handle);
    if (result != SOLO5_R_OK) return result;
    const struct solo5_manifest_entry *entry = swiftlet_device(*handle, SOLO5_DEVICE_NET);
    for (int i = 0; i < 6; i++) info->mac_address[i] = entry->device.net.mac[i];
    info->mtu = entry->device.net.mtu;
    return SOLO5_R_OK;
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle, struct solo5_block_info *info) {
    solo5_result_t result = acquire(name, SOLO5_DEVICE_BLOCK, handle);
    if (result != SOLO5_R_OK) return result;
    const struct solo5_manifest_entry *entry = swiftlet_device(*handle, SOLO5_DEVICE_BLOCK);
    info->capacity = entry->device.block.capacity;
    info->block_size = entry->device.block.block_size;
    return SOLO5_R_OK;
}

// A PT_INTERP that cannot be run keeps the host from executing the unikernel by mistake.
const char swiftlet_interp[24] __attribute__((section(".interp"), aligned(8), used)) = "/nonexistent/solo5/";

// OpenBSD only runs static binaries that carry this note.
const struct { uint32_t name_size, description_size, type; char name[8]; uint32_t data; }
    swiftlet_openbsd_note __attribute__((section(".note.solo5.not_openbsd"), aligned(4), used)) = {8, 4, 1, "OpenBSD", 0};
