// The way in: the headers loaders look for, and the 32-bit code that switches to long mode.
//
// Two loaders start a virtio unikernel, both in 32-bit protected mode with paging off:
// - PVH (QEMU -kernel, Firecracker, Cloud Hypervisor, Xen): the address in the Xen ELF note
//   below, %ebx pointing at a struct hvm_start_info;
// - Multiboot2 (GRUB, on the disk images `swiftlet mkimage` makes): the ELF entry point,
//   %eax = 0x36d76289 and %ebx pointing at the Multiboot2 information.
// Both arrive at swiftlet_virtio_entry32, which identity-maps the first 4 GiB with 2 MiB pages
// (uncached from 3 GiB, where the devices are), turns on SSE and long mode, and calls
// swiftlet_virtio_boot(eax, ebx) on a stack in .bss.
#include <stdint.h>

// The Multiboot2 header: magic, architecture (i386 protected mode), length, checksum, end tag.
__asm__(".section .multiboot2, \"a\"\n"
        ".balign 8\n"
        "multiboot2_header:\n"
        "  .long 0xe85250d6\n"
        "  .long 0\n"
        "  .long multiboot2_header_end - multiboot2_header\n"
        "  .long -(0xe85250d6 + (multiboot2_header_end - multiboot2_header))\n"
        "  .short 0, 0\n"
        "  .long 8\n"
        "multiboot2_header_end:\n");

// XEN_ELFNOTE_PHYS32_ENTRY (18): name "Xen", the 32-bit entry point. QEMU reads the value as a
// pointer-sized word and aligns the name to the segment's alignment, so: 8 bytes, 4-aligned.
__asm__(".section .note.Xen, \"a\"\n"
        ".balign 4\n"
        "  .long 4\n"
        "  .long 8\n"
        "  .long 18\n"
        "  .asciz \"Xen\"\n"
        "  .quad swiftlet_virtio_entry32\n");

// Page tables and the boot stack live in .bss, which the entry clears itself (not every
// loader does).
__asm__(".section .bss\n"
        ".balign 4096\n"
        "boot_pml4: .skip 4096\n"
        "boot_pdpt: .skip 4096\n"
        ".globl swiftlet_boot_page_directories\n"
        "swiftlet_boot_page_directories: .skip 4 * 4096\n"
        ".balign 16\n"
        "boot_stack: .skip 512 * 1024\n"
        "boot_stack_top:\n"
        ".globl swiftlet_boot_pml4\n"
        ".set swiftlet_boot_pml4, boot_pml4\n");

// The GDT of the switch (the C code installs its own later, with the same selectors).
__asm__(".section .rodata\n"
        ".balign 8\n"
        "boot_gdt:\n"
        "  .quad 0\n"
        "  .quad 0x00af9a000000ffff\n"  // 0x08: 64-bit code
        "  .quad 0x00cf92000000ffff\n"  // 0x10: data
        "boot_gdt_end:\n"
        "boot_gdt_pointer:\n"
        "  .short boot_gdt_end - boot_gdt - 1\n"
        "  .long boot_gdt\n");

__asm__(".section .text.boot32, \"ax\"\n"
        ".code32\n"
        ".globl swiftlet_virtio_entry32\n"
        "swiftlet_virtio_entry32:\n"
        "  cli\n"
        "  cld\n"
        "  mov %eax, %ebp\n"                      // the loader's magic (Multiboot2) or anything (PVH)
        "  mov %ebx, %esi\n"                      // its information block
        // Clear .bss (page tables and stack included).
        "  mov $__swiftlet_bss_start, %edi\n"
        "  mov $__swiftlet_end, %ecx\n"
        "  sub %edi, %ecx\n"
        "  xor %eax, %eax\n"
        "  rep stosb\n"
        "  mov $boot_stack_top, %esp\n"
        // PML4[0] -> PDPT; PDPT[0..3] -> the four page directories; 2048 entries of 2 MiB.
        "  mov $boot_pdpt, %eax\n"
        "  or $3, %eax\n"
        "  mov %eax, boot_pml4\n"
        "  mov $swiftlet_boot_page_directories, %eax\n"
        "  or $3, %eax\n"
        "  xor %ecx, %ecx\n"
        "1:\n"
        "  mov %eax, boot_pdpt(,%ecx,8)\n"
        "  add $4096, %eax\n"
        "  inc %ecx\n"
        "  cmp $4, %ecx\n"
        "  jb 1b\n"
        "  xor %ecx, %ecx\n"
        "2:\n"
        "  mov %ecx, %eax\n"
        "  shl $21, %eax\n"
        "  or $0x83, %eax\n"                      // present, writable, 2 MiB page
        "  cmp $1536, %ecx\n"
        "  jb 3f\n"
        "  or $0x18, %eax\n"                      // from 3 GiB: device memory, uncached
        "3:\n"
        "  mov %eax, swiftlet_boot_page_directories(,%ecx,8)\n"
        "  inc %ecx\n"
        "  cmp $2048, %ecx\n"
        "  jb 2b\n"
        // SSE: CR4.OSFXSR | OSXMMEXCPT, and PAE for long mode.
        "  mov %cr4, %eax\n"
        "  or $0x620, %eax\n"
        "  mov %eax, %cr4\n"
        "  mov $boot_pml4, %eax\n"
        "  mov %eax, %cr3\n"
        // EFER.LME
        "  mov $0xc0000080, %ecx\n"
        "  rdmsr\n"
        "  or $0x100, %eax\n"
        "  wrmsr\n"
        // CR0: paging, protection, native FPU errors, monitor coprocessor; no emulation, no TS.
        "  mov %cr0, %eax\n"
        "  and $~0x0c, %eax\n"
        "  or $0x80000023, %eax\n"
        "  mov %eax, %cr0\n"
        "  lgdt boot_gdt_pointer\n"
        "  ljmp $0x08, $entry64\n"
        ".code64\n"
        "entry64:\n"
        "  mov $0x10, %eax\n"
        "  mov %eax, %ds\n"
        "  mov %eax, %es\n"
        "  mov %eax, %ss\n"
        "  mov %eax, %fs\n"
        "  mov %eax, %gs\n"
        "  fninit\n"
        "  mov %ebp, %edi\n"                      // swiftlet_virtio_boot(magic, information)
        "  mov %esi, %esi\n"                      // (zero-extends)
        "  call swiftlet_virtio_boot\n"
        "4:\n"
        "  cli\n"
        "  hlt\n"
        "  jmp 4b\n"
        ".text\n");
