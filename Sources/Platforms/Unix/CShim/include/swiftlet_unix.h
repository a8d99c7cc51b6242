// The few Linux calls the unix binding needs that Swift's Glibc module does not export
// (GNU extensions). Declared with plain types so this header includes no system header:
// including them with _GNU_SOURCE would clash with Swift's own Glibc module.
#ifndef SWIFTLET_UNIX_H
#define SWIFTLET_UNIX_H

/// Installs handlers for fault signals (SIGSEGV, SIGILL, SIGABRT, ...) that write the console
/// output gathered this turn, then pass the signal on to the handler that was there before.
void swiftlet_flush_console_on_faults(void);

/// epoll_create1(EPOLL_CLOEXEC), or -errno.
int swiftlet_epoll_create(void);

/// Arms `fd` in `epoll` for `directions` (1 readable, 2 writable), with EPOLL_CTL_ADD when
/// `add` and EPOLL_CTL_MOD otherwise, one-shot when `one_shot`. 0 or -errno.
int swiftlet_epoll_arm(int epoll, int fd, unsigned directions, int add, int one_shot);

/// A descriptor epoll reported and the directions it is ready for (errors and hang-ups: both).
struct swiftlet_ready { int fd; unsigned directions; };

/// epoll_pwait2 for up to `timeout_ns` (negative: forever): fills up to `capacity` (at most 256)
/// entries of `ready`; returns their count or -errno.
int swiftlet_epoll_wait(int epoll, struct swiftlet_ready *ready, int capacity, long long timeout_ns);

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)
int swiftlet_eventfd(void);

/// ppoll over `count` `struct pollfd`s; `timeout` is a `struct timespec *`, NULL waits forever.
int swiftlet_ppoll(void *descriptors, unsigned long count, const void *timeout);

/// getrandom(buffer, length, 0)
long swiftlet_getrandom(void *buffer, unsigned long length);

/// The addresses of the Swift concurrency runtime's hook variables for the global and
/// main-actor queues. Taken here so the linker resolves them whether the Swift runtime is
/// linked statically or dynamically.
void **swiftlet_enqueue_global_hook(void);
void **swiftlet_enqueue_main_executor_hook(void);
void **swiftlet_get_main_executor_hook(void);

// Network devices and host sockets. Unless said otherwise these return a non-negative result
// on success and -errno on failure, so Swift never reads `errno` after another call touched it.
// IPv4 addresses and ports are in host byte order.

/// Opens /dev/net/tun and attaches it to tap interface `name` (created if missing) with
/// IFF_TAP | IFF_NO_PI, non-blocking and close-on-exec. Returns the descriptor, or -errno with
/// `*failed_step` set to 0 (opening /dev/net/tun) or 1 (the TUNSETIFF ioctl).
int swiftlet_tap_open(const char *name, int *failed_step);

/// socket(AF_INET, SOCK_STREAM or SOCK_DGRAM, 0), non-blocking and close-on-exec.
int swiftlet_socket(int datagram);

/// Sets SO_REUSEADDR.
int swiftlet_set_reuse_address(int fd);

/// bind() to `address`:`port`.
int swiftlet_bind(int fd, unsigned int address, unsigned short port);

/// listen().
int swiftlet_listen(int fd, int backlog);

/// connect() to `address`:`port`; -EINPROGRESS when the connection is under way.
int swiftlet_connect(int fd, unsigned int address, unsigned short port);

/// The pending error of a socket (SO_ERROR) as -errno, or 0.
int swiftlet_socket_error(int fd);

/// accept4() with SOCK_NONBLOCK | SOCK_CLOEXEC; stores the peer's address and port.
int swiftlet_accept(int fd, unsigned int *address, unsigned short *port);

/// getsockname() (`peer` 0) or getpeername() (`peer` 1) of an IPv4 socket.
int swiftlet_socket_endpoint(int fd, int peer, unsigned int *address, unsigned short *port);

/// send() with MSG_NOSIGNAL, so a closed peer is an error (-EPIPE), not a SIGPIPE.
long swiftlet_send(int fd, const void *bytes, unsigned long length);

/// recv().
long swiftlet_receive(int fd, void *bytes, unsigned long length);

/// sendto() an IPv4 address and port.
long swiftlet_send_to(int fd, const void *bytes, unsigned long length, unsigned int address, unsigned short port);

/// recvfrom(); stores the sender's address and port.
long swiftlet_receive_from(int fd, void *bytes, unsigned long length, unsigned int *address, unsigned short *port);

/// shutdown() with SHUT_WR (`how` 1) or SHUT_RDWR (`how` 2).
int swiftlet_shutdown(int fd, int how);

/// read() and write() on a descriptor.
long swiftlet_read(int fd, void *bytes, unsigned long length);
long swiftlet_write(int fd, const void *bytes, unsigned long length);

#endif
