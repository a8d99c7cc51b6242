// The machine below the boot code: console, clocks, interrupt controllers (machine.c).
#ifndef SWIFTLET_VIRTIO_MACHINE_H
#define SWIFTLET_VIRTIO_MACHINE_H

/// The serial console and the trap handlers: the first thing the boot code does.
void swiftlet_machine_early_init(void);
/// Clocks (kvmclock, or the TSC calibrated against the PIT), the wall clock, the local and I/O
/// APICs, and the interrupt vectors.
void swiftlet_machine_init(void);

#endif
