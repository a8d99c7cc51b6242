// Entropy on the Solo5 targets: a virtio-rng device where the target has one, else the CPU's
// RDSEED and RDRAND instructions, which need no system
// call or hypercall (spt's seccomp filter and hvt's tender see nothing). RDSEED reads the
// hardware noise source through its conditioner; RDRAND a DRBG the hardware reseeds from it.
// Both may fail transiently (carry clear); Intel's guidance is to retry a bounded number of
// times. No clock fallback: callers refuse to start instead (Platform.requireEntropy).
#include <stddef.h>
#include <stdint.h>
#include "swiftlet_solo5.h"

static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    __asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3]) : "a"(leaf), "c"(subleaf));
}

// 0: not probed yet; then bit 0 RDRAND, bit 1 RDSEED, bit 2 probed.
static int features;

static int probe(void) {
    if (features == 0) {
        uint32_t r[4];
        int found = 4;
        cpuid(0, 0, r);
        uint32_t max_leaf = r[0];
        cpuid(1, 0, r);
        if (r[2] & (1u << 30)) found |= 1;
        if (max_leaf >= 7) {
            cpuid(7, 0, r);
            if (r[1] & (1u << 18)) found |= 2;
        }
        features = found;
    }
    return features;
}

static int rdseed(uint64_t *value) {
    for (int attempt = 0; attempt < 1024; attempt++) {
        unsigned char ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*value), "=qm"(ok) : : "cc");
        if (ok) return 1;
        __asm__ volatile("pause");
    }
    return 0;
}

static int rdrand(uint64_t *value) {
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*value), "=qm"(ok) : : "cc");
        if (ok) return 1;
    }
    return 0;
}

int (*swiftlet_entropy_device)(void *buffer, size_t size);

int swiftlet_entropy_fill(void *buffer, size_t size) {
    if (swiftlet_entropy_device != NULL && swiftlet_entropy_device(buffer, size)) return 1;
    int have = probe();
    if ((have & 3) == 0) return 0;
    unsigned char *bytes = buffer;
    while (size > 0) {
        uint64_t word;
        if (!((have & 2) && rdseed(&word)) && !((have & 1) && rdrand(&word))) return 0;
        size_t n = size < 8 ? size : 8;
        for (size_t i = 0; i < n; i++) { bytes[i] = (unsigned char)word; word >>= 8; }
        bytes += n;
        size -= n;
    }
    return 1;
}

__attribute__((weak)) const char *swiftlet_entropy_advice(void) {
    return "a CPU with RDRAND or RDSEED";
}
