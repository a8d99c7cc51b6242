// The few things Swiftlet's tenders cannot do from Swift.
#ifndef SWIFTLET_TENDER_H
#define SWIFTLET_TENDER_H
#include <stdint.h>

/// Opens the existing tap interface `name` (non-blocking); returns its descriptor and MTU, or -1.
int swiftlet_tap_attach(const char *name, int *mtu);

/// Creates the epoll set and the monotonic timerfd that spt's yield uses; -1 on failure.
int swiftlet_spt_events(int *epoll, int *timer);

/// Adds `descriptor` to `epoll` for input, tagged with `tag`.
int swiftlet_epoll_watch(int epoll, int descriptor, uint64_t tag);

/// Fills `buffer` from the kernel's random pool.
long swiftlet_random(void *buffer, unsigned long length);

/// One BPF instruction, as the kernel's struct sock_filter.
struct swiftlet_bpf_instruction { uint16_t code; uint8_t jump_true; uint8_t jump_false; uint32_t k; };

/// Turns on no_new_privs and the seccomp `filter`, then jumps to `entry` with `argument` in %rdi
/// and the stack pointer at `stack`. Nothing is allocated once the filter is on. Returns only
/// when the filter could not be installed (with errno set).
int swiftlet_spt_enter(const struct swiftlet_bpf_instruction *filter, unsigned short count,
                       uint64_t stack, uint64_t entry, uint64_t argument);
/// Waits up to `timeout_ns` for input on `descriptors`; sets bit i of `*ready` for each ready one.
/// Returns how many are ready, or -1.
int swiftlet_wait_readable(const int *descriptors, int count, uint64_t timeout_ns, uint64_t *ready);

/// A KVM virtual machine with one vCPU, for swiftlet-hvt.
struct swiftlet_hvt { int kvm, vm, vcpu; void *run; uint64_t tsc_hz; };

/// Why the vCPU stopped.
struct swiftlet_hvt_exit {
    uint32_t reason;            // KVM_EXIT_*: 2 I/O, 5 HLT, 8 shutdown, 9 failed entry, 17 internal error
    uint16_t port;              // for I/O exits
    int is_out_of_four_bytes;   // a 32-bit OUT, the only hypercall form
    uint32_t value;             // the OUT's value: the hypercall argument's guest address
    uint32_t suberror;          // for internal errors
    uint64_t rip;
};

/// Opens /dev/kvm, creates the VM with `memory` at guest address 0, one vCPU with KVM's CPUID,
/// and reads the TSC frequency; -1 with errno on failure.
int swiftlet_hvt_create(struct swiftlet_hvt *vm, void *memory, uint64_t memory_size);

/// Puts the vCPU in 64-bit mode on the tender's page tables and GDT, at `entry` with `stack`
/// and the boot information's address in %rdi.
int swiftlet_hvt_start(struct swiftlet_hvt *vm, uint64_t entry, uint64_t stack, uint64_t boot_info);

/// Reads the general registers (instruction-encoding order: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi,
/// r8..r15), RIP, RFLAGS and the 16 XMM registers.
int swiftlet_hvt_get_cpu(struct swiftlet_hvt *vm, uint64_t registers[16], uint64_t *rip, uint64_t *rflags, uint8_t xmm[256]);

/// Sets them back.
int swiftlet_hvt_set_cpu(struct swiftlet_hvt *vm, const uint64_t registers[16], uint64_t rip, uint64_t rflags,
                         const uint8_t xmm[256]);

/// Runs the vCPU until it exits to the tender.
/// The x87 state: ST(0)..ST(7) in stack order, 16 bytes each (80-bit values in the first 10),
/// the control and status words and the abridged tag byte (bit i: physical register i in use).
int swiftlet_hvt_get_x87(struct swiftlet_hvt *vm, uint8_t registers[128], uint16_t *control, uint16_t *status, uint8_t *tags);
int swiftlet_hvt_set_x87(struct swiftlet_hvt *vm, const uint8_t registers[128], uint16_t control, uint16_t status, uint8_t tags);
int swiftlet_hvt_run(struct swiftlet_hvt *vm, struct swiftlet_hvt_exit *exit);

#endif
