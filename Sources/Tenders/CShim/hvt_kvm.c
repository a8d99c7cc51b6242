// KVM set-up for swiftlet-hvt: the kernel structures and ioctls, filled in exactly as Solo5 v0.12's
// hvt ABI specifies the guest's starting state (docs/solo5-abi.md, section 4).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "swiftlet_tender.h"

int swiftlet_hvt_create(struct swiftlet_hvt *vm, void *memory, uint64_t memory_size) {
    vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm < 0) return -1;
    if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != 12) { errno = ENOTSUP; return -1; }
    vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
    if (vm->vm < 0) return -1;
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = memory_size, .userspace_addr = (uint64_t)memory};
    if (ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return -1;
    vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0);
    if (vm->vcpu < 0) return -1;
    int run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) return -1;
    vm->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
    if (vm->run == MAP_FAILED) return -1;
    // CPUID: whatever KVM supports, as Solo5 does.
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + 256 * sizeof(struct kvm_cpuid_entry2));
    cpuid->nent = 256;
    if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 || ioctl(vm->vcpu, KVM_SET_CPUID2, cpuid) < 0) {
        free(cpuid);
        return -1;
    }
    free(cpuid);
    int khz = ioctl(vm->vcpu, KVM_GET_TSC_KHZ, 0);
    vm->tsc_hz = khz > 0 ? (uint64_t)khz * 1000 : 0;
    return 0;
}

int swiftlet_hvt_start(struct swiftlet_hvt *vm, uint64_t entry, uint64_t stack, uint64_t boot_info) {
    struct kvm_sregs sregs;
    if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0) return -1;
    struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 9, .present = 1,
                               .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1};
    struct kvm_segment data = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
                               .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1};
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.tr = (struct kvm_segment){.selector = 0, .base = 0, .limit = 0, .type = 11, .present = 1};
    sregs.ldt = (struct kvm_segment){.unusable = 1};
    sregs.gdt.base = 0x1000;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.cr0 = 0x80010021;  // PE, NE, WP, PG
    sregs.cr3 = 0x2000;
    sregs.cr4 = 0x620;       // PAE, OSFXSR, OSXMMEXCPT
    sregs.efer = 0x500;      // LME, LMA
    if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0) return -1;
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = entry;
    regs.rsp = stack;
    regs.rdi = boot_info;
    regs.rflags = 0x2;
    return ioctl(vm->vcpu, KVM_SET_REGS, &regs);
}

int swiftlet_hvt_run(struct swiftlet_hvt *vm, struct swiftlet_hvt_exit *exit) {
    struct kvm_run *run = vm->run;
    int result;
    do { result = ioctl(vm->vcpu, KVM_RUN, 0); } while (result < 0 && errno == EINTR);
    if (result < 0) return -1;
    exit->reason = run->exit_reason;
    exit->port = 0;
    exit->value = 0;
    exit->suberror = 0;
    if (run->exit_reason == KVM_EXIT_IO) {
        exit->port = run->io.port;
        exit->is_out_of_four_bytes = run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 && run->io.count == 1;
        exit->value = *(uint32_t *)((char *)run + run->io.data_offset);
    } else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        exit->suberror = run->internal.suberror;
    }
    struct kvm_regs regs;
    exit->rip = ioctl(vm->vcpu, KVM_GET_REGS, &regs) == 0 ? regs.rip : 0;
    return 0;
}

int swiftlet_hvt_get_cpu(struct swiftlet_hvt *vm, uint64_t registers[16], uint64_t *rip, uint64_t *rflags, uint8_t xmm[256]) {
    struct kvm_regs regs;
    struct kvm_fpu fpu;
    if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) < 0 || ioctl(vm->vcpu, KVM_GET_FPU, &fpu) < 0) return -1;
    // In instruction-encoding order: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8 ... r15.
    uint64_t ordered[16] = {regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp, regs.rbp, regs.rsi, regs.rdi,
                            regs.r8, regs.r9, regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15};
    memcpy(registers, ordered, sizeof ordered);
    *rip = regs.rip;
    *rflags = regs.rflags;
    memcpy(xmm, fpu.xmm, sizeof fpu.xmm);
    return 0;
}

int swiftlet_hvt_get_x87(struct swiftlet_hvt *vm, uint8_t registers[128], uint16_t *control, uint16_t *status, uint8_t *tags) {
    struct kvm_fpu fpu;
    if (ioctl(vm->vcpu, KVM_GET_FPU, &fpu) < 0) return -1;
    memcpy(registers, fpu.fpr, 128);
    *control = fpu.fcw;
    *status = fpu.fsw;
    *tags = fpu.ftwx;
    return 0;
}

int swiftlet_hvt_set_x87(struct swiftlet_hvt *vm, const uint8_t registers[128], uint16_t control, uint16_t status, uint8_t tags) {
    struct kvm_fpu fpu;
    if (ioctl(vm->vcpu, KVM_GET_FPU, &fpu) < 0) return -1;
    memcpy(fpu.fpr, registers, 128);
    fpu.fcw = control;
    fpu.fsw = status;
    fpu.ftwx = tags;
    return ioctl(vm->vcpu, KVM_SET_FPU, &fpu);
}

int swiftlet_hvt_set_cpu(struct swiftlet_hvt *vm, const uint64_t registers[16], uint64_t rip, uint64_t rflags,
                         const uint8_t xmm[256]) {
    struct kvm_regs regs;
    struct kvm_fpu fpu;
    if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) < 0 || ioctl(vm->vcpu, KVM_GET_FPU, &fpu) < 0) return -1;
    regs.rax = registers[0]; regs.rcx = registers[1]; regs.rdx = registers[2]; regs.rbx = registers[3];
    regs.rsp = registers[4]; regs.rbp = registers[5]; regs.rsi = registers[6]; regs.rdi = registers[7];
    regs.r8 = registers[8]; regs.r9 = registers[9]; regs.r10 = registers[10]; regs.r11 = registers[11];
    regs.r12 = registers[12]; regs.r13 = registers[13]; regs.r14 = registers[14]; regs.r15 = registers[15];
    regs.rip = rip;
    regs.rflags = rflags;
    memcpy(fpu.xmm, xmm, sizeof fpu.xmm);
    if (ioctl(vm->vcpu, KVM_SET_FPU, &fpu) < 0) return -1;
    return ioctl(vm->vcpu, KVM_SET_REGS, &regs);
}
