#define _GNU_SOURCE
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include "swiftlet_unix.h"

int swiftlet_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int swiftlet_ppoll(void *descriptors, unsigned long count, const void *timeout) {
    return ppoll((struct pollfd *)descriptors, (nfds_t)count, (const struct timespec *)timeout, NULL);
}

long swiftlet_getrandom(void *buffer, unsigned long length) { return getrandom(buffer, length, 0); }

// Declared by the Swift concurrency runtime (ConcurrencyHooks.def); the types do not matter here.
extern void *swift_task_enqueueGlobal_hook;
extern void *swift_task_enqueueMainExecutor_hook;
extern void *swift_task_getMainExecutor_hook;

void **swiftlet_enqueue_global_hook(void) { return &swift_task_enqueueGlobal_hook; }
void **swiftlet_enqueue_main_executor_hook(void) { return &swift_task_enqueueMainExecutor_hook; }
void **swiftlet_get_main_executor_hook(void) { return &swift_task_getMainExecutor_hook; }

// MARK: Network devices and host sockets

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int swiftlet_tap_open(const char *name, int *failed_step) {
    *failed_step = 0;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int error = errno;
        close(fd);
        *failed_step = 1;
        return -error;
    }
    return fd;
}

static struct sockaddr_in ipv4_socket_address(unsigned int address, unsigned short port) {
    struct sockaddr_in socket_address;
    memset(&socket_address, 0, sizeof socket_address);
    socket_address.sin_family = AF_INET;
    socket_address.sin_addr.s_addr = htonl(address);
    socket_address.sin_port = htons(port);
    return socket_address;
}

static int result(int value) { return value < 0 ? -errno : value; }
static long long_result(long value) { return value < 0 ? -errno : value; }

int swiftlet_socket(int datagram) {
    return result(socket(AF_INET, (datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

int swiftlet_set_reuse_address(int fd) {
    int on = 1;
    return result(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
}

int swiftlet_bind(int fd, unsigned int address, unsigned short port) {
    struct sockaddr_in socket_address = ipv4_socket_address(address, port);
    return result(bind(fd, (struct sockaddr *)&socket_address, sizeof socket_address));
}

int swiftlet_listen(int fd, int backlog) { return result(listen(fd, backlog)); }

int swiftlet_connect(int fd, unsigned int address, unsigned short port) {
    struct sockaddr_in socket_address = ipv4_socket_address(address, port);
    return result(connect(fd, (struct sockaddr *)&socket_address, sizeof socket_address));
}

int swiftlet_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return -errno;
    return -error;
}

static void split_socket_address(const struct sockaddr_in *socket_address, unsigned int *address, unsigned short *port) {
    *address = ntohl(socket_address->sin_addr.s_addr);
    *port = ntohs(socket_address->sin_port);
}

int swiftlet_accept(int fd, unsigned int *address, unsigned short *port) {
    struct sockaddr_in peer;
    socklen_t length = sizeof peer;
    memset(&peer, 0, sizeof peer);
    int connection = accept4(fd, (struct sockaddr *)&peer, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (connection < 0) return -errno;
    split_socket_address(&peer, address, port);
    return connection;
}

int swiftlet_socket_endpoint(int fd, int peer, unsigned int *address, unsigned short *port) {
    struct sockaddr_in socket_address;
    socklen_t length = sizeof socket_address;
    memset(&socket_address, 0, sizeof socket_address);
    int status = peer ? getpeername(fd, (struct sockaddr *)&socket_address, &length)
                      : getsockname(fd, (struct sockaddr *)&socket_address, &length);
    if (status < 0) return -errno;
    split_socket_address(&socket_address, address, port);
    return 0;
}

long swiftlet_send(int fd, const void *bytes, unsigned long length) {
    return long_result(send(fd, bytes, length, MSG_NOSIGNAL));
}

long swiftlet_receive(int fd, void *bytes, unsigned long length) { return long_result(recv(fd, bytes, length, 0)); }

long swiftlet_send_to(int fd, const void *bytes, unsigned long length, unsigned int address, unsigned short port) {
    struct sockaddr_in socket_address = ipv4_socket_address(address, port);
    return long_result(sendto(fd, bytes, length, MSG_NOSIGNAL, (struct sockaddr *)&socket_address, sizeof socket_address));
}

long swiftlet_receive_from(int fd, void *bytes, unsigned long length, unsigned int *address, unsigned short *port) {
    struct sockaddr_in socket_address;
    socklen_t length_of_address = sizeof socket_address;
    memset(&socket_address, 0, sizeof socket_address);
    long count = recvfrom(fd, bytes, length, 0, (struct sockaddr *)&socket_address, &length_of_address);
    if (count < 0) return -errno;
    split_socket_address(&socket_address, address, port);
    return count;
}

int swiftlet_shutdown(int fd, int how) { return result(shutdown(fd, how == 1 ? SHUT_WR : SHUT_RDWR)); }

long swiftlet_read(int fd, void *bytes, unsigned long length) { return long_result(read(fd, bytes, length)); }

long swiftlet_write(int fd, const void *bytes, unsigned long length) { return long_result(write(fd, bytes, length)); }

// MARK: Console output on a crash

#include <signal.h>

// Defined in SwiftletRuntime (ConsoleBuffer.swift): writes the console lines gathered this turn.
extern void swiftlet_console_flush(void) __attribute__((weak));

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT};
static struct sigaction previous_actions[sizeof fault_signals / sizeof fault_signals[0]];

static void flush_then_fault(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    if (swiftlet_console_flush) swiftlet_console_flush();
    // Hand the signal to whoever handled it before (the Swift runtime's backtracer) or to the
    // default action: a fault re-executes the instruction, a raised signal is raised again.
    for (unsigned i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        if (fault_signals[i] == signal_number) sigaction(signal_number, &previous_actions[i], NULL);
    }
    if (info == NULL || info->si_code <= 0) raise(signal_number);
}

void swiftlet_flush_console_on_faults(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = flush_then_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (unsigned i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        sigaction(fault_signals[i], &action, &previous_actions[i]);
    }
}

// MARK: Readiness with epoll

#include <sys/epoll.h>

int swiftlet_epoll_create(void) { int fd = epoll_create1(EPOLL_CLOEXEC); return fd < 0 ? -errno : fd; }

int swiftlet_epoll_arm(int epoll, int fd, unsigned directions, int add, int one_shot) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = (directions & 1 ? EPOLLIN | EPOLLRDHUP : 0) | (directions & 2 ? EPOLLOUT : 0) | (one_shot ? EPOLLONESHOT : 0);
    event.data.fd = fd;
    return result(epoll_ctl(epoll, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event));
}

int swiftlet_epoll_wait(int epoll, struct swiftlet_ready *ready, int capacity, long long timeout_ns) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000LL, .tv_nsec = timeout_ns % 1000000000LL};
    int count = epoll_pwait2(epoll, events, capacity, timeout_ns < 0 ? NULL : &timeout, NULL);
    if (count < 0) return -errno;
    for (int i = 0; i < count; i++) {
        unsigned flags = 0;
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) flags |= 1;
        if (events[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) flags |= 2;
        ready[i].fd = events[i].data.fd;
        ready[i].directions = flags;
    }
    return count;
}
