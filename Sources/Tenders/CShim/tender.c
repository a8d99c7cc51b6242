#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "swiftlet_tender.h"

int swiftlet_tap_attach(const char *name, int *mtu) {
    if (strlen(name) >= IFNAMSIZ) return -1;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    // TUNSETIFF on an existing interface attaches to it; the name must not change.
    if (ioctl(fd, TUNSETIFF, &request) < 0 || strncmp(request.ifr_name, name, IFNAMSIZ) != 0) {
        close(fd);
        return -1;
    }
    int probe = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq query;
    memset(&query, 0, sizeof query);
    strncpy(query.ifr_name, name, IFNAMSIZ - 1);
    *mtu = (probe >= 0 && ioctl(probe, SIOCGIFMTU, &query) == 0) ? query.ifr_mtu : 1500;
    if (probe >= 0) close(probe);
    return fd;
}

int swiftlet_spt_enter(const struct swiftlet_bpf_instruction *filter, unsigned short count,
                       uint64_t stack, uint64_t entry, uint64_t argument) {
    struct sock_fprog program = {.len = count, .filter = (struct sock_filter *)filter};
    // The guest's faults must end the process as they would any program's, not run the handlers
    // the host language runtime installed (they cannot work inside the sandbox).
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS};
    for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++) signal(faults[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) return -1;
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%rbp, %%rbp\n\t"
                     "jmp *%1"
                     : : "r"(stack), "r"(entry), "D"(argument) : "memory");
    __builtin_unreachable();
}

int swiftlet_spt_events(int *epoll, int *timer) {
    *epoll = epoll_create1(EPOLL_CLOEXEC);
    *timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    return *epoll >= 0 && *timer >= 0 ? 0 : -1;
}

int swiftlet_epoll_watch(int epoll, int descriptor, uint64_t tag) {
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event);
}

long swiftlet_random(void *buffer, unsigned long length) { return getrandom(buffer, length, 0); }

// The tenders link SwiftletRuntime for its command-line quoting but run no async code. Every
// module that uses async carries a fallback (swift_deletedAsyncMethodError) that refers to
// these three concurrency-runtime calls; they are never reached here.
#include <stdio.h>
#include <stdlib.h>
static void no_task_runtime(void) {
    fputs("swiftlet tender: internal error: async code ran in the tender\n", stderr);
    abort();
}
void *swift_task_alloc(size_t size, void *task) { (void)size; (void)task; no_task_runtime(); return NULL; }
void swift_task_dealloc(void *pointer) { (void)pointer; no_task_runtime(); }
void swift_task_switch(void) { no_task_runtime(); }

int swiftlet_wait_readable(const int *descriptors, int count, uint64_t timeout_ns, uint64_t *ready) {
    struct pollfd polled[64];
    if (count > 64) count = 64;
    for (int i = 0; i < count; i++) polled[i] = (struct pollfd){.fd = descriptors[i], .events = POLLIN};
    struct timespec timeout = {(time_t)(timeout_ns / 1000000000ULL), (long)(timeout_ns % 1000000000ULL)};
    int result;
    do { result = ppoll(polled, (nfds_t)count, &timeout, NULL); } while (result < 0 && errno == EINTR);
    *ready = 0;
    for (int i = 0; i < count && result > 0; i++) if (polled[i].revents) *ready |= 1ULL << i;
    return result;
}
