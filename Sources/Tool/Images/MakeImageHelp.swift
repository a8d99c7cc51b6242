extension Help {
    var mkimage: String {
        """
        usage: swiftlet mkimage [--format raw,gce,qcow2] [-- RUNTIME-ARGUMENTS]

        In a unikernel's folder configured for virtio (swiftlet configure -t virtio), builds the
        unikernel like swiftlet run, then makes from dist/NAME.virtio:
          dist/NAME.img      a raw disk that boots in BIOS firmware (QEMU, Google Compute Engine):
                             GRUB in the MBR and after it, one FAT partition with the kernel and
                             /boot/grub/grub.cfg (serial console, no menu)
          dist/NAME.tar.gz   the Google Compute Engine image: disk.raw, padded to whole GiB
          dist/NAME.qcow2    the disk as qcow2 (qemu-img)
        --format picks some of them (default: all three). It also writes
        dist/NAME.firecracker.json and prints the commands that run the unikernel under QEMU,
        Firecracker, Cloud Hypervisor and on Compute Engine.

        What follows `--` goes on the kernel command line in grub.cfg (and in the printed
        commands), so the image boots with it:
          swiftlet configure -t virtio
          swiftlet mkimage -- --hello=Bonjour -l "*:debug"
        `--block:NAME=FILE` and `--net:NAME=TAP` among them name the disks and tap devices the
        printed commands attach. Needs Debian's grub-pc-bin and qemu-utils
        (apt-get install grub-pc-bin qemu-utils); no root, no loop devices.

        """
    }
}
