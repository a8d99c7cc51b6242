// lossy-relay: forwards Ethernet frames between a tap interface and another interface, losing,
// reordering and duplicating some of them on purpose, for system tests of the TCP/IP stack.
//
//   clang -O2 -o relay lossy-relay.c
//   lossy-relay --tap TAPNAME --interface IFNAME [--loss PERMILLE] [--reorder PERMILLE]
//               [--duplicate PERMILLE] [--seed N] [--seconds N]
//
// The relay creates tap TAPNAME and holds its descriptor: what the kernel sends out of
// interface TAPNAME, the relay reads, and what the relay writes, the kernel receives on
// TAPNAME. It opens an AF_PACKET socket on IFNAME (promiscuous): frames arriving on IFNAME are
// read there, and frames written there leave through IFNAME. Every frame is forwarded to the
// other side unless a fault says otherwise. Faults are drawn from a generator seeded with
// --seed, separately per direction, so a run with the same traffic repeats. A reordered frame
// is held back and sent after the next frame in its direction, or after 20 ms if none comes;
// at most one frame is held per direction. The relay stops after --seconds (default 600), on
// SIGTERM or on SIGINT, and prints its counters to standard output.
//
// Intended use with a unikernel that owns tap u0 (kernel side u0 in namespace R, no address):
//
//   ip netns exec R ./relay --tap k0 --interface u0 --loss 20 &
//   until ip -n R link show k0 >/dev/null 2>&1; do sleep 0.1; done
//   ip -n R link set k0 netns K
//   ip -n K addr add 10.0.0.1/24 dev k0 && ip -n K link set k0 up
//
// Checked by hand like this (ns K talks to ns P through the relay in ns R; 1000-packet flood
// ping, one answer expected per request, so loss is applied twice: 1 - 0.8 * 0.8 = 36 %):
//
//   clang -O2 -o /tmp/relay Tests/Network/lossy-relay.c
//   ip netns add K; ip netns add R; ip netns add P
//   ip -n R link add vR type veth peer name vP netns P
//   ip -n R link set vR up; ip -n R link set lo up
//   ip -n P addr add 10.0.0.2/24 dev vP; ip -n P link set vP up
//   ip netns exec R /tmp/relay --tap k0 --interface vR --loss 200 --seed 1 --seconds 60 &
//   until ip -n R link show k0 >/dev/null 2>&1; do sleep 0.1; done
//   ip -n R link set k0 netns K
//   ip -n K addr add 10.0.0.1/24 dev k0; ip -n K link set k0 up
//   ip netns exec K ping -c 1000 -i 0.002 -W 1 10.0.0.2   # measured: 36.7 % packet loss
//   kill %1; wait                                          # prints the counters
//   ip netns del K; ip netns del R; ip netns del P
//
// With --loss 0 --reorder 100 --duplicate 100 instead: 0 % loss, +175 duplicates, and the
// replies that were held back arrive up to 20 ms late.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { frame_capacity = 65536, hold_limit_ms = 20 };

static volatile sig_atomic_t stopping = 0;
static void stop(int signal_number) { (void)signal_number; stopping = 1; }

// SplitMix64: tiny and good enough to decide faults.
static uint64_t next_random(uint64_t *state) {
    uint64_t mixed = (*state += 0x9E3779B97F4A7C15ull);
    mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ull;
    mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBull;
    return mixed ^ (mixed >> 31);
}

static int happens(uint64_t *state, unsigned per_mille) { return next_random(state) % 1000 < per_mille; }

struct direction {
    const char *name;
    int from, to;              // descriptors
    int to_is_packet_socket;   // whether `to` needs sendto() with an address
    uint64_t random;
    unsigned char held[frame_capacity];
    ssize_t held_length;       // 0: nothing held
    uint64_t held_since_ms;
    unsigned long received, forwarded, lost, reordered, duplicated, send_errors;
};

static struct sockaddr_ll packet_address;
static unsigned loss, reorder, duplicate;

static uint64_t now_ms(void) {
    struct timespec spec;
    clock_gettime(CLOCK_MONOTONIC, &spec);
    return (uint64_t)spec.tv_sec * 1000 + (uint64_t)spec.tv_nsec / 1000000;
}

static void send_frame(struct direction *d, const unsigned char *frame, ssize_t length) {
    ssize_t sent = d->to_is_packet_socket
        ? sendto(d->to, frame, (size_t)length, 0, (struct sockaddr *)&packet_address, sizeof packet_address)
        : write(d->to, frame, (size_t)length);
    if (sent == length) d->forwarded++;
    else d->send_errors++;  // a full queue or a down interface: the frame is lost, as on a wire
}

static void flush_held(struct direction *d) {
    if (d->held_length == 0) return;
    send_frame(d, d->held, d->held_length);
    d->held_length = 0;
}

static void relay_one(struct direction *d) {
    static unsigned char frame[frame_capacity];
    ssize_t length;
    if (d->to_is_packet_socket) {
        length = read(d->from, frame, sizeof frame);  // from the tap
    } else {
        struct sockaddr_ll from;
        socklen_t from_length = sizeof from;
        length = recvfrom(d->from, frame, sizeof frame, 0, (struct sockaddr *)&from, &from_length);
        // Frames the host itself sends out of the interface are not arrivals.
        if (length > 0 && from.sll_pkttype == PACKET_OUTGOING) return;
    }
    if (length <= 0) return;  // EAGAIN and friends: poll again
    d->received++;
    // Always draw three numbers, so one fault's rate does not shift another's sequence.
    int lose = happens(&d->random, loss), hold = happens(&d->random, reorder), twice = happens(&d->random, duplicate);
    if (lose) { d->lost++; return; }
    if (hold && d->held_length == 0) {
        memcpy(d->held, frame, (size_t)length);
        d->held_length = length;
        d->held_since_ms = now_ms();
        d->reordered++;
        return;
    }
    send_frame(d, frame, length);
    if (twice) { d->duplicated++; send_frame(d, frame, length); }
    flush_held(d);
}

static int open_tap(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { perror("lossy-relay: /dev/net/tun (run as root or give CAP_NET_ADMIN)"); exit(1); }
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) < 0) { perror("lossy-relay: TUNSETIFF"); exit(1); }
    return fd;
}

static int open_packet_socket(const char *interface) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) { perror("lossy-relay: AF_PACKET socket"); exit(1); }
    unsigned index = if_nametoindex(interface);
    if (index == 0) { fprintf(stderr, "lossy-relay: no interface %s here\n", interface); exit(1); }
    memset(&packet_address, 0, sizeof packet_address);
    packet_address.sll_family = AF_PACKET;
    packet_address.sll_protocol = htons(ETH_P_ALL);
    packet_address.sll_ifindex = (int)index;
    if (bind(fd, (struct sockaddr *)&packet_address, sizeof packet_address) < 0) { perror("lossy-relay: bind"); exit(1); }
    struct packet_mreq membership;
    memset(&membership, 0, sizeof membership);
    membership.mr_ifindex = (int)index;
    membership.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) < 0) {
        perror("lossy-relay: promiscuous mode");
        exit(1);
    }
    // The default receive buffer (about 200 KB) overflows when the relay shares a core with a
    // busy peer, and a frame dropped there is a loss nobody asked for: ask for 4 MiB (the
    // kernel caps it at net.core.rmem_max; failing is harmless).
    int buffer = 4 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    return fd;
}

static void usage(void) {
    fprintf(stderr, "usage: lossy-relay --tap TAPNAME --interface IFNAME [--loss PERMILLE] [--reorder PERMILLE]\n"
                    "                   [--duplicate PERMILLE] [--seed N] [--seconds N]\n");
    exit(2);
}

static unsigned long number(const char *text, unsigned long maximum) {
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value > maximum) usage();
    return value;
}

static void print_counters(const struct direction *d) {
    printf("%s: received %lu forwarded %lu lost %lu reordered %lu duplicated %lu send-errors %lu\n", d->name,
           d->received, d->forwarded, d->lost, d->reordered, d->duplicated, d->send_errors);
}

int main(int argc, char **argv) {
    const char *tap_name = NULL, *interface = NULL;
    unsigned long seed = 0, seconds = 600;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *option = argv[i], *value = argv[++i];
        if (strcmp(option, "--tap") == 0) tap_name = value;
        else if (strcmp(option, "--interface") == 0) interface = value;
        else if (strcmp(option, "--loss") == 0) loss = (unsigned)number(value, 1000);
        else if (strcmp(option, "--reorder") == 0) reorder = (unsigned)number(value, 1000);
        else if (strcmp(option, "--duplicate") == 0) duplicate = (unsigned)number(value, 1000);
        else if (strcmp(option, "--seed") == 0) seed = number(value, ~0ul);
        else if (strcmp(option, "--seconds") == 0) seconds = number(value, 100000000ul);
        else usage();
    }
    if (!tap_name || !interface || strlen(tap_name) >= IFNAMSIZ) usage();

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = stop;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    int tap = open_tap(tap_name);
    int packets = open_packet_socket(interface);
    static struct direction to_interface, to_tap;
    to_interface = (struct direction){.name = "tap->interface", .from = tap, .to = packets, .to_is_packet_socket = 1,
                                      .random = seed ^ 0x746170ull};
    to_tap = (struct direction){.name = "interface->tap", .from = packets, .to = tap, .to_is_packet_socket = 0,
                                .random = seed ^ 0x696e74ull};
    fprintf(stderr, "lossy-relay: tap %s <-> interface %s, loss %u reorder %u duplicate %u per mille, seed %lu\n",
            tap_name, interface, loss, reorder, duplicate, seed);

    uint64_t end = now_ms() + (uint64_t)seconds * 1000;
    while (!stopping) {
        uint64_t now = now_ms();
        if (now >= end) break;
        struct direction *both[2] = {&to_interface, &to_tap};
        int timeout = (int)(end - now > 1000 ? 1000 : end - now);
        for (int i = 0; i < 2; i++) {
            if (both[i]->held_length == 0) continue;
            uint64_t due = both[i]->held_since_ms + hold_limit_ms;
            if (due <= now) flush_held(both[i]);
            else if ((int)(due - now) < timeout) timeout = (int)(due - now);
        }
        struct pollfd descriptors[2] = {{.fd = tap, .events = POLLIN}, {.fd = packets, .events = POLLIN}};
        int ready = poll(descriptors, 2, timeout);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("lossy-relay: poll");
            break;
        }
        if (descriptors[0].revents & (POLLERR | POLLNVAL)) { fprintf(stderr, "lossy-relay: the tap failed\n"); break; }
        if (descriptors[1].revents & (POLLERR | POLLNVAL)) { fprintf(stderr, "lossy-relay: the interface failed\n"); break; }
        // A few frames per side per turn, so a flood on one side cannot starve the other.
        for (int round = 0; round < 16; round++) {
            if (descriptors[0].revents & POLLIN) relay_one(&to_interface);
            if (descriptors[1].revents & POLLIN) relay_one(&to_tap);
        }
    }
    flush_held(&to_interface);
    flush_held(&to_tap);
    print_counters(&to_interface);
    print_counters(&to_tap);
    fflush(stdout);
    return 0;
}
