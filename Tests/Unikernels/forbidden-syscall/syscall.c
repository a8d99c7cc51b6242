// A raw getpid(2): no Solo5 binding needs it, so spt's seccomp filter must kill the unikernel.
long forbidden_getpid(void) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(39L) : "rcx", "r11", "memory");
    return result;
}
