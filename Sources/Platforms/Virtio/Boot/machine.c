// The PC-compatible machine every PVH hypervisor emulates, as far as a unikernel needs it:
// the serial console (COM1), clocks (kvmclock where the hypervisor offers it, else the TSC
// calibrated against the PIT; the CMOS clock for the date), the local APIC's one-shot timer and
// the I/O APIC for waking from `hlt`, memory mapping for devices, and the way out.
//
// Interrupts stay disabled except inside swiftlet_halt_until's `sti; hlt`: all code here and
// in Swift is compiled with a red zone, which an interrupt taken mid-function would overwrite.
#include <stddef.h>
#include <stdint.h>
#include "swiftlet_solo5.h"
#include "swiftlet_virtio.h"
#include "swiftlet_x86.h"
#include "machine.h"

#define TIMER_VECTOR 0x20
#define SPURIOUS_VECTOR 0xff

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

uint64_t swiftlet_platform_cpu_ticks(void) { return swiftlet_x86_rdtsc(); }

int swiftlet_platform_set_tls_base(uintptr_t base) {
    swiftlet_x86_write_msr(0xc0000100u, base);  // FS base
    return 0;
}

// ---- the serial console ----------------------------------------------------------------------

#define COM1 0x3f8

static void serial_init(void) {
    swiftlet_outb(COM1 + 1, 0x00);  // no interrupts
    swiftlet_outb(COM1 + 3, 0x80);  // divisor latch
    swiftlet_outb(COM1 + 0, 0x01);  // 115200 baud
    swiftlet_outb(COM1 + 1, 0x00);
    swiftlet_outb(COM1 + 3, 0x03);  // 8 bits, no parity, one stop bit
    swiftlet_outb(COM1 + 2, 0xc7);  // FIFOs on and cleared
    swiftlet_outb(COM1 + 4, 0x03);  // DTR, RTS
}

static void serial_put(char c) {
    // Emulated UARTs are always ready; a real one drains 16 bytes in ~1.4 ms at 115200 baud.
    for (int spins = 0; spins < 100000 && !(swiftlet_inb(COM1 + 5) & 0x20); spins++) swiftlet_cpu_relax();
    swiftlet_outb(COM1, (uint8_t)c);
}

void solo5_console_write(const char *buffer, size_t size) {
    for (size_t i = 0; i < size; i++) {
        if (buffer[i] == '\n') serial_put('\r');  // a terminal wants both
        serial_put(buffer[i]);
    }
}

// ---- the way out -------------------------------------------------------------------------------

/// With QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, writing s ends QEMU with
/// status (s << 1) | 1. Status 0, and machines without that device, end in a triple fault,
/// which QEMU with `-no-reboot`, Firecracker and Cloud Hypervisor treat as the VM's end.
void solo5_exit(int status) {
    if (status != 0) swiftlet_outl(0xf4, (uint32_t)status & 0xff);
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } empty = {0, 0};
    __asm__ volatile("cli\n lidt %0\n int3" : : "m"(empty));
    for (;;) __asm__ volatile("hlt");
}

void solo5_abort(void) { solo5_exit(255); }

void swiftlet_virtio_fail(const char *message, int status) {
    size_t length = 0;
    while (message[length]) length++;
    solo5_console_write(message, length);
    solo5_console_write("\n", 1);
    solo5_exit(status);
}

// ---- clocks ------------------------------------------------------------------------------------

// kvmclock (KVM's paravirtual clock): the hypervisor keeps this record up to date.
struct pvclock_time {
    uint32_t version, pad;
    uint64_t tsc_timestamp, system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags, pad2[2];
};
struct pvclock_wall { uint32_t version, seconds, nanoseconds; };
static volatile struct pvclock_time kvmclock __attribute__((aligned(64)));
static volatile struct pvclock_wall kvm_wall __attribute__((aligned(16)));
static int has_kvmclock;

static uint64_t kvmclock_now(void) {
    uint32_t version;
    uint64_t time;
    do {
        version = kvmclock.version;
        __asm__ volatile("" : : : "memory");
        uint64_t delta = swiftlet_platform_cpu_ticks() - kvmclock.tsc_timestamp;
        int8_t shift = kvmclock.tsc_shift;
        delta = shift < 0 ? delta >> -shift : delta << shift;
        time = kvmclock.system_time + (uint64_t)(((unsigned __int128)delta * kvmclock.tsc_to_system_mul) >> 32);
        __asm__ volatile("" : : : "memory");
    } while ((version & 1) || version != kvmclock.version);
    return time;
}

// Otherwise the TSC (swiftlet_x86_tsc_clock_*).
static uint64_t wall_at_boot;  // nanoseconds since the epoch when the monotonic clock was 0

solo5_time_t solo5_clock_monotonic(void) {
    return has_kvmclock ? kvmclock_now() : swiftlet_x86_tsc_clock_now();
}

solo5_time_t solo5_clock_wall(void) { return wall_at_boot + solo5_clock_monotonic(); }

static int detect_kvmclock(void) {
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (!(c & (1u << 31))) return 0;  // no hypervisor
    cpuid(0x40000000, &a, &b, &c, &d);
    if (b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d || a < 0x40000001) return 0;  // "KVMKVMKVM"
    cpuid(0x40000001, &a, &b, &c, &d);
    return (a & (1u << 3)) != 0;  // KVM_FEATURE_CLOCKSOURCE2
}

/// The PIT's channel 0, counting down at 1.193182 MHz from 0xffff; reading it takes a latch.
static uint16_t pit_count(void) {
    swiftlet_outb(0x43, 0x00);
    uint8_t low = swiftlet_inb(0x40);
    return (uint16_t)(low | swiftlet_inb(0x40) << 8);
}

/// TSC ticks per second, measured over ~2.5 ms of the PIT; 0 if there is no PIT.
static uint64_t measure_tsc_frequency(void) {
    const uint16_t window = 2983;  // PIT ticks: 2.5 ms
    swiftlet_outb(0x43, 0x34);     // channel 0, low then high byte, rate generator
    swiftlet_outb(0x40, 0xff);
    swiftlet_outb(0x40, 0xff);
    uint16_t start = pit_count();
    uint64_t tsc_start = swiftlet_platform_cpu_ticks();
    for (uint32_t reads = 0; reads < 10000000; reads++) {
        uint16_t now = pit_count();
        if ((uint16_t)(start - now) >= window) {
            uint64_t ticks = swiftlet_platform_cpu_ticks() - tsc_start;
            swiftlet_outb(0x43, 0x30);  // back to one-shot mode with no count: stopped, silent
            return ticks * 1193182ull / (uint16_t)(start - now);
        }
    }
    return 0;
}

// The CMOS clock, for the date: read once at boot.
static uint8_t cmos(uint8_t reg) {
    swiftlet_outb(0x70, reg);
    return swiftlet_inb(0x71);
}

static uint64_t read_cmos_wall_clock(void) {
    for (int spins = 0; spins < 100000 && (cmos(0x0a) & 0x80); spins++) swiftlet_cpu_relax();
    uint8_t second = cmos(0x00), minute = cmos(0x02), hour = cmos(0x04), day = cmos(0x07), month = cmos(0x08);
    uint8_t year = cmos(0x09), century = cmos(0x32), status = cmos(0x0b);
    if (second == 0xff && minute == 0xff) return 0;  // no CMOS
    if (!(status & 0x04)) {  // BCD
#define BCD(x) (uint8_t)(((x) & 0x0f) + ((x) >> 4) * 10)
        second = BCD(second); minute = BCD(minute); day = BCD(day); month = BCD(month); year = BCD(year);
        century = BCD(century);
        hour = (uint8_t)(BCD(hour & 0x7f) | (hour & 0x80));
#undef BCD
    }
    if (!(status & 0x02) && (hour & 0x80)) hour = (uint8_t)(((hour & 0x7f) + 12) % 24);
    int full_year = (century >= 19 && century <= 30 ? century : 20) * 100 + year;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return 0;
    // Days since 1970-01-01 of a proleptic Gregorian date (March-based year).
    int y = full_year - (month <= 2);
    int era = y / 400;
    int year_of_era = y - era * 400;
    int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t days = (int64_t)era * 146097 + day_of_era - 719468;
    return (uint64_t)(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000000000ull;
}

// ---- the local APIC and its timer ---------------------------------------------------------------

static uint64_t lapic_base = 0xfee00000;
static uint32_t lapic_id;
static uint64_t lapic_ticks_per_ms;
/// The EOI register's address, for the interrupt stub.
uint64_t swiftlet_lapic_eoi_address = 0xfee000b0;

static inline uint32_t lapic_read(uint32_t reg) { return swiftlet_read32(lapic_base + reg); }
static inline void lapic_write(uint32_t reg, uint32_t value) { swiftlet_write32(lapic_base + reg, value); }

// Interrupts only wake `hlt`: acknowledge and return. The spurious vector needs no EOI.
__asm__(".text\n"
        "swiftlet_interrupt_stub:\n"
        "  push %rax\n"
        "  mov swiftlet_lapic_eoi_address(%rip), %rax\n"
        "  movl $0, (%rax)\n"
        "  pop %rax\n"
        "  iretq\n"
        "swiftlet_spurious_stub:\n"
        "  iretq\n");
extern char swiftlet_interrupt_stub[], swiftlet_spurious_stub[];

static void lapic_init(void) {
    uint64_t msr = swiftlet_x86_read_msr(0x1b);
    lapic_base = msr & 0xffffff000ull;
    swiftlet_x86_write_msr(0x1b, msr | (1u << 11));  // enabled, xAPIC mode
    swiftlet_lapic_eoi_address = lapic_base + 0xb0;
    lapic_id = lapic_read(0x20) >> 24;
    lapic_write(0x80, 0);                        // accept every priority
    lapic_write(0xf0, 0x100 | SPURIOUS_VECTOR);  // software-enabled
    lapic_write(0x3e0, 0x0b);                    // timer divides by 1
    lapic_write(0x320, 0x10000 | TIMER_VECTOR);  // one-shot, masked until used
    // Its rate, against the calibrated monotonic clock, over ~1 ms.
    lapic_write(0x380, 0xffffffff);
    uint64_t start = solo5_clock_monotonic();
    while (solo5_clock_monotonic() - start < 1000000) swiftlet_cpu_relax();
    uint32_t elapsed = 0xffffffff - lapic_read(0x390);
    uint64_t nanoseconds = solo5_clock_monotonic() - start;
    lapic_write(0x380, 0);
    lapic_ticks_per_ms = (uint64_t)elapsed * 1000000ull / (nanoseconds ? nanoseconds : 1);
    if (lapic_ticks_per_ms == 0) lapic_ticks_per_ms = 1;
}

uint64_t swiftlet_msi_address(void) { return 0xfee00000ull | ((uint64_t)lapic_id << 12); }
uint32_t swiftlet_msi_data(void) { return SWIFTLET_DEVICE_VECTOR; }

void swiftlet_halt_until(uint64_t deadline) {
    uint64_t now = solo5_clock_monotonic();
    if (now >= deadline) return;
    uint64_t wait = deadline - now;
    if (wait > 1000000000ull) wait = 1000000000ull;  // the counter is 32 bits: wake at least every second
    uint64_t ticks = wait * lapic_ticks_per_ms / 1000000ull;
    if (ticks == 0) ticks = 1;
    if (ticks > 0xffffffffull) ticks = 0xffffffffull;
    lapic_write(0x320, TIMER_VECTOR);  // one-shot, unmasked
    lapic_write(0x380, (uint32_t)ticks);
    // `sti` takes effect after the next instruction, so an interrupt already pending wakes the
    // `hlt` rather than slipping in before it. The frame goes below this function's red zone.
    __asm__ volatile("sub $128, %%rsp\n sti\n hlt\n cli\n add $128, %%rsp" : : : "memory");
    lapic_write(0x380, 0);
}

// ---- the I/O APICs -----------------------------------------------------------------------------

// QEMU's microvm has a second I/O APIC (inputs 24..47) after the usual one.
static const uint64_t ioapic_bases[2] = {0xfec00000, 0xfec10000};
static uint32_t ioapic_inputs[2];

static uint32_t ioapic_read(uint64_t base, uint32_t reg) {
    swiftlet_write32(base, reg);
    return swiftlet_read32(base + 0x10);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t value) {
    swiftlet_write32(base, reg);
    swiftlet_write32(base + 0x10, value);
}

static void ioapic_init(void) {
    for (int i = 0; i < 2; i++) {
        uint32_t version = ioapic_read(ioapic_bases[i], 1);
        if (version == 0xffffffff || version == 0) break;
        ioapic_inputs[i] = ((version >> 16) & 0xff) + 1;
        for (uint32_t pin = 0; pin < ioapic_inputs[i]; pin++) ioapic_write(ioapic_bases[i], 0x10 + 2 * pin, 0x10000);
    }
}

bool swiftlet_route_irq(uint32_t gsi) {
    uint32_t first = 0;
    for (int i = 0; i < 2; first += ioapic_inputs[i], i++) {
        if (gsi < first || gsi >= first + ioapic_inputs[i]) continue;
        uint32_t pin = gsi - first;
        ioapic_write(ioapic_bases[i], 0x10 + 2 * pin + 1, lapic_id << 24);
        ioapic_write(ioapic_bases[i], 0x10 + 2 * pin, SWIFTLET_DEVICE_VECTOR);  // fixed, physical, high, edge
        return true;
    }
    return false;
}

// ---- device memory above the boot map -----------------------------------------------------------

extern uint64_t swiftlet_boot_pml4[512];
extern uint64_t swiftlet_boot_page_directories[2048];
#define PAGE_TABLE_POOL 32
static uint64_t page_table_pool[PAGE_TABLE_POOL][512] __attribute__((aligned(4096)));
static int page_tables_used;

static uint64_t *next_table(uint64_t *table, unsigned index) {
    if (!(table[index] & 1)) {
        if (page_tables_used == PAGE_TABLE_POOL) return NULL;
        uint64_t *fresh = page_table_pool[page_tables_used++];
        table[index] = (uint64_t)(uintptr_t)fresh | 3;
    }
    return (uint64_t *)(uintptr_t)(table[index] & 0x000ffffffffff000ull);
}

bool swiftlet_map_device_memory(uint64_t address, uint64_t size) {
    if (address + size <= 0x100000000ull) return true;  // mapped at boot
    for (uint64_t page = address & ~0x1fffffull; page < address + size; page += 0x200000) {
        uint64_t *pdpt = next_table(swiftlet_boot_pml4, (page >> 39) & 511);
        uint64_t *directory = pdpt ? next_table(pdpt, (page >> 30) & 511) : NULL;
        if (!directory) return false;
        if (directory[(page >> 21) & 511] & 1) continue;
        directory[(page >> 21) & 511] = page | 0x83 | 0x18;  // 2 MiB, writable, uncached
    }
    __asm__ volatile("mov %%cr3, %%rax\n mov %%rax, %%cr3" : : : "rax", "memory");
    return true;
}

// ---- the image's rights -------------------------------------------------------------------------

extern char __swiftlet_text_end[], __swiftlet_rodata_end[], __swiftlet_end[];
#define PAGE_NX (1ull << 63)

/// Maps the image with 4 KiB pages and its segments' rights: text read-only and executable,
/// read-only data, everything else not executable, and page 0 absent so a null pointer faults.
/// (Boot maps everything writable and executable with 2 MiB pages.)
static void protect_image(void) {
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    uint64_t nx = 0;
    if (a >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &c, &d);
        if (d & (1u << 20)) { swiftlet_x86_write_msr(0xc0000080, swiftlet_x86_read_msr(0xc0000080) | (1u << 11)); nx = PAGE_NX; }
    }
    uint64_t text_end = (uintptr_t)__swiftlet_text_end, rodata_end = (uintptr_t)__swiftlet_rodata_end;
    uint64_t image_end = (uintptr_t)__swiftlet_end;
    for (uint64_t region = 0; region < 0x100000000ull; region += 0x200000) {
        uint64_t *directory_entry = &swiftlet_boot_page_directories[region >> 21];
        if (region >= image_end || page_tables_used == PAGE_TABLE_POOL) { *directory_entry |= nx; continue; }
        uint64_t *table = page_table_pool[page_tables_used++];
        for (uint64_t page = region; page < region + 0x200000; page += 4096) {
            uint64_t entry = page | 3 | nx;                                                 // data
            if (page == 0) entry = 0;                                                        // null
            else if (page >= 0x100000 && page < text_end) entry = page | 1;                  // text
            else if (page >= text_end && page < rodata_end) entry = page | 1 | nx;           // rodata
            table[(page - region) >> 12] = entry;
        }
        *directory_entry = (uint64_t)(uintptr_t)table | 3;
    }
    // CR0.WP: read-only pages bind ring 0 too.
    __asm__ volatile("mov %%cr0, %%rax\n or $0x10000, %%rax\n mov %%rax, %%cr0\n"
                     "mov %%cr3, %%rax\n mov %%rax, %%cr3" : : : "rax", "memory");
}

// ---- start-up ------------------------------------------------------------------------------------

__attribute__((no_stack_protector)) void swiftlet_machine_early_init(void) {
    serial_init();
    swiftlet_x86_install_traps();
}

__attribute__((no_stack_protector)) void swiftlet_machine_init(void) {
    // The legacy PIC stays masked: everything arrives through the APICs.
    swiftlet_outb(0x21, 0xff);
    swiftlet_outb(0xa1, 0xff);
    if (detect_kvmclock()) {
        swiftlet_x86_write_msr(0x4b564d01, (uint64_t)(uintptr_t)&kvmclock | 1);  // MSR_KVM_SYSTEM_TIME_NEW
        swiftlet_x86_write_msr(0x4b564d00, (uint64_t)(uintptr_t)&kvm_wall);       // MSR_KVM_WALL_CLOCK_NEW
        has_kvmclock = 1;
        wall_at_boot = (uint64_t)kvm_wall.seconds * 1000000000ull + kvm_wall.nanoseconds;
    } else {
        uint64_t frequency = measure_tsc_frequency();
        if (frequency == 0) {
            static const char warning[] = "Swiftlet: no PIT to calibrate the TSC; assuming 1 GHz\n";
            solo5_console_write(warning, sizeof warning - 1);
            frequency = 1000000000ull;
        }
        swiftlet_x86_tsc_clock_start(frequency);
        uint64_t wall = read_cmos_wall_clock();
        wall_at_boot = wall ? wall - solo5_clock_monotonic() : 0;
    }
    swiftlet_x86_set_interrupt_gate(TIMER_VECTOR, (void (*)(void))swiftlet_interrupt_stub);
    swiftlet_x86_set_interrupt_gate(SWIFTLET_DEVICE_VECTOR, (void (*)(void))swiftlet_interrupt_stub);
    swiftlet_x86_set_interrupt_gate(SPURIOUS_VECTOR, (void (*)(void))swiftlet_spurious_stub);
    lapic_init();
    ioapic_init();
    protect_image();
}
