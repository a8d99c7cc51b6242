// The freestanding runtime shared by Swiftlet's Solo5 targets (spt, hvt): the few C-library
// functions that Embedded Swift and its concurrency runtime call, a heap allocator, the stack
// protector, and the start-up that runs the Swift program. Each target's bindings (spt.c, hvt.c)
// implement swiftlet_solo5.h and call swiftlet_solo5_start() from their entry point.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "swiftlet_solo5.h"

// Provided by the target's bindings.
int swiftlet_platform_set_tls_base(uintptr_t base);
uint64_t swiftlet_platform_cpu_ticks(void);
// The Swift program's entry (the generated main.swift).
int main(int argc, char **argv);
// Linker script symbols.
extern char __swiftlet_text_start[], __swiftlet_text_end[], __swiftlet_rodata_end[], __swiftlet_data_end[];

// ---- memory and strings --------------------------------------------------------------------

void *memcpy(void *restrict to, const void *restrict from, size_t n) {
    unsigned char *d = to; const unsigned char *s = from;
    while (n--) *d++ = *s++;
    return to;
}

void *memmove(void *to, const void *from, size_t n) {
    unsigned char *d = to; const unsigned char *s = from;
    if (d < s) { while (n--) *d++ = *s++; }
    else { d += n; s += n; while (n--) *--d = *--s; }
    return to;
}

void *memset(void *to, int value, size_t n) {
    unsigned char *d = to;
    while (n--) *d++ = (unsigned char)value;
    return to;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
    return 0;
}

int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) { if (*a != *b || !*a) return (unsigned char)*a - (unsigned char)*b; }
    return 0;
}

char *strncpy(char *to, const char *from, size_t n) {
    size_t i = 0;
    for (; i < n && from[i]; i++) to[i] = from[i];
    for (; i < n; i++) to[i] = 0;
    return to;
}

// Rounds up, for the standard library's hash-table sizing (no libm here). The runtime's C is
// built without SSE (hvt on emulating KVM hosts cannot run it). Where Swift code is built
// without SSE too (hvt), a double travels on the stack and comes back on the x87 stack, so
// ceil is written for that; elsewhere it travels in an SSE register, and ceil uses one.
#ifdef SWIFTLET_X87_FLOAT
__asm__(".text\n.globl ceil\n.type ceil,@function\nceil:\n"
        "  fldl 8(%rsp)\n"             // the argument
        "  sub $8, %rsp\n"
        "  fnstcw (%rsp)\n"            // save the control word
        "  movzwl (%rsp), %eax\n"
        "  and $0xf3ff, %eax\n"
        "  or $0x0800, %eax\n"         // rounding: towards +infinity
        "  mov %ax, 2(%rsp)\n"
        "  fldcw 2(%rsp)\n"
        "  frndint\n"
        "  fldcw (%rsp)\n"             // restore
        "  add $8, %rsp\n"
        "  ret\n");
#else
__attribute__((target("sse2"))) double ceil(double x) {
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) return x;  // |x| >= 2^52, inf, nan
    double whole = (double)(long long)x;
    return whole < x ? whole + 1.0 : (whole == 0.0 ? x * 0.0 : whole);
}
#endif

// Seeds for the standard library's hashing: from the CPU's entropy instructions (entropy.c)
// where it has them. Without them the timestamp counter is mixed instead: unpredictable enough
// to vary hash seeds between runs, NOT fit for cryptography, which never comes here (random
// devices and the stack's secrets refuse to start without a source: Platform.requireEntropy).
void arc4random_buf(void *buffer, size_t n) {
    if (swiftlet_entropy_fill(buffer, n)) return;
    uint64_t state = swiftlet_platform_cpu_ticks() ^ 0x9e3779b97f4a7c15ULL;
    unsigned char *bytes = buffer;
    for (size_t i = 0; i < n; i++) {
        state ^= swiftlet_platform_cpu_ticks();
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        bytes[i] = (unsigned char)(state >> 56);
    }
}

static int error_number;
int *__errno_location(void) { return &error_number; }

// ---- the heap ------------------------------------------------------------------------------
// First fit over an address-ordered free list; neighbours coalesce on free, so memory is reused
// and does not fragment into uselessness. Every block starts with a 16-byte header.
// In front of it, freed small blocks wait in one LIFO list per size (16-byte classes up to
// SMALL_LIMIT): Swift allocates and frees many short-lived small objects per packet and per
// request, and these lists serve them in O(1) instead of walking the address-ordered list.
// Each list holds at most SMALL_DEPTH blocks, so what waits there stays small (it does not
// coalesce); the rest go back to the main list, and so do all of them when it runs short.

typedef struct block {
    size_t size;          // whole block, header included; a multiple of 16
    struct block *next;   // next free block (free blocks only)
} block_t;

#define HEADER sizeof(block_t)
#define MIN_BLOCK (2 * HEADER)
static block_t *free_list;
static size_t heap_bytes, heap_free;

static void heap_init(uintptr_t start, size_t size) {
    uintptr_t aligned = (start + 15) & ~(uintptr_t)15;
    size = (size - (aligned - start)) & ~(size_t)15;
    free_list = (block_t *)aligned;
    free_list->size = size;
    free_list->next = NULL;
    heap_bytes = heap_free = size;
}

size_t swiftlet_heap_free_bytes(void) { return heap_free; }
size_t swiftlet_heap_size(void) { return heap_bytes; }

static void heap_insert(block_t *block) {
    block_t **link = &free_list;
    while (*link && *link < block) link = &(*link)->next;
    block->next = *link;
    *link = block;
    // Merge with the following block, then with the preceding one.
    if (block->next && (char *)block + block->size == (char *)block->next) {
        block->size += block->next->size;
        block->next = block->next->next;
    }
    if (link != &free_list) {
        block_t *previous = (block_t *)((char *)link - offsetof(block_t, next));
        if ((char *)previous + previous->size == (char *)block) {
            previous->size += block->size;
            previous->next = block->next;
        }
    }
}

// Allocates `size` bytes whose address is a multiple of `alignment` (a power of two >= 16).
static void *heap_allocate(size_t size, size_t alignment) {
    if (size > heap_bytes) return NULL;
    size_t needed = (size + HEADER + 15) & ~(size_t)15;
    if (needed < MIN_BLOCK) needed = MIN_BLOCK;
    for (block_t **link = &free_list; *link; link = &(*link)->next) {
        block_t *block = *link;
        uintptr_t payload = ((uintptr_t)block + HEADER + alignment - 1) & ~(uintptr_t)(alignment - 1);
        size_t gap = payload - HEADER - (uintptr_t)block;
        // A gap before the aligned block must be big enough to stay a free block of its own.
        while (gap != 0 && gap < MIN_BLOCK) { payload += alignment; gap += alignment; }
        if (gap + needed > block->size) continue;
        *link = block->next;
        heap_free -= block->size;
        size_t total = block->size;
        if (gap) {  // give the leading gap back
            block->size = gap;
            heap_free += gap;
            heap_insert(block);
            total -= gap;
        }
        block_t *used = (block_t *)(payload - HEADER);
        used->size = total;
        if (total - needed >= MIN_BLOCK) {  // give the tail back
            block_t *tail = (block_t *)((char *)used + needed);
            tail->size = total - needed;
            used->size = needed;
            heap_free += tail->size;
            heap_insert(tail);
        }
        return (void *)payload;
    }
    return NULL;
}

#define SMALL_LIMIT 1024
#define SMALL_DEPTH 32
static block_t *small_blocks[SMALL_LIMIT / 16 + 1];
static unsigned small_counts[SMALL_LIMIT / 16 + 1];

// Returns every cached small block to the main list, where neighbours coalesce.
static int heap_reclaim_small(void) {
    int reclaimed = 0;
    for (size_t class = 0; class <= SMALL_LIMIT / 16; class++) {
        while (small_blocks[class]) {
            block_t *block = small_blocks[class];
            small_blocks[class] = block->next;
            heap_insert(block);
            reclaimed = 1;
        }
        small_counts[class] = 0;
    }
    return reclaimed;
}

static void *heap_allocate_or_reclaim(size_t size, size_t alignment) {
    void *pointer = heap_allocate(size, alignment);
    if (!pointer && heap_reclaim_small()) pointer = heap_allocate(size, alignment);
    return pointer;
}

void *malloc(size_t size) {
    if (size <= SMALL_LIMIT - HEADER) {
        size_t needed = (size + HEADER + 15) & ~(size_t)15;
        if (needed < MIN_BLOCK) needed = MIN_BLOCK;
        block_t *block = small_blocks[needed / 16];
        if (block) {
            small_blocks[needed / 16] = block->next;
            small_counts[needed / 16]--;
            heap_free -= block->size;
            return (char *)block + HEADER;
        }
    }
    return heap_allocate_or_reclaim(size, 16);
}

void free(void *pointer) {
    if (!pointer) return;
    block_t *block = (block_t *)((char *)pointer - HEADER);
    heap_free += block->size;
    size_t class = block->size / 16;
    if (block->size <= SMALL_LIMIT && small_counts[class] < SMALL_DEPTH) {
        block->next = small_blocks[class];
        small_blocks[class] = block;
        small_counts[class]++;
        return;
    }
    heap_insert(block);
}

void *calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *pointer = malloc(count * size);
    if (pointer) memset(pointer, 0, count * size);
    return pointer;
}

void *realloc(void *pointer, size_t size) {
    if (!pointer) return malloc(size);
    size_t old = ((block_t *)((char *)pointer - HEADER))->size - HEADER;
    if (size <= old) return pointer;
    void *bigger = malloc(size);
    if (bigger) { memcpy(bigger, pointer, old); free(pointer); }
    return bigger;
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < 16) alignment = 16;
    if (alignment & (alignment - 1)) return 22;  // EINVAL
    void *pointer = heap_allocate_or_reclaim(size, alignment);
    if (!pointer) return 12;  // ENOMEM
    *result = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    void *pointer = NULL;
    return posix_memalign(&pointer, alignment, size) == 0 ? pointer : NULL;
}

// ---- output --------------------------------------------------------------------------------

typedef struct { char *buffer; size_t size, length; } sink_t;

static void sink_put(sink_t *sink, char c) {
    if (sink->buffer) { if (sink->length + 1 < sink->size) sink->buffer[sink->length] = c; }
    else solo5_console_write(&c, 1);
    sink->length++;
}

static void sink_number(sink_t *sink, unsigned long long value, unsigned base, int negative, int width, char pad) {
    char digits[24];
    int count = 0;
    do { digits[count++] = "0123456789abcdef"[value % base]; value /= base; } while (value);
    if (negative) digits[count++] = '-';
    while (count < width--) sink_put(sink, pad);
    while (count) sink_put(sink, digits[--count]);
}

// printf for what runtime messages use: %s %c %d %i %u %x %p %%, with l/ll/z and width/0.
static int format(sink_t *sink, const char *text, va_list arguments) {
    for (; *text; text++) {
        if (*text != '%') { sink_put(sink, *text); continue; }
        text++;
        char pad = ' ';
        int width = 0, longness = 0;
        if (*text == '0') { pad = '0'; text++; }
        while (*text >= '0' && *text <= '9') width = width * 10 + (*text++ - '0');
        if (*text == '.') { text++; while ((*text >= '0' && *text <= '9') || *text == '*') text++; }
        while (*text == 'l' || *text == 'z' || *text == 'j' || *text == 't') { longness++; text++; }
        switch (*text) {
        case 's': {
            const char *s = va_arg(arguments, const char *);
            if (!s) s = "(null)";
            while (*s) sink_put(sink, *s++);
            break;
        }
        case 'c': sink_put(sink, (char)va_arg(arguments, int)); break;
        case 'd': case 'i': {
            long long v = longness ? va_arg(arguments, long long) : va_arg(arguments, int);
            sink_number(sink, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0, width, pad);
            break;
        }
        case 'u': case 'x': {
            unsigned long long v = longness ? va_arg(arguments, unsigned long long) : va_arg(arguments, unsigned);
            sink_number(sink, v, *text == 'u' ? 10 : 16, 0, width, pad);
            break;
        }
        case 'p':
            sink_put(sink, '0'); sink_put(sink, 'x');
            sink_number(sink, (uintptr_t)va_arg(arguments, void *), 16, 0, 0, ' ');
            break;
        case '%': sink_put(sink, '%'); break;
        case 0: return (int)sink->length;
        default: sink_put(sink, '%'); sink_put(sink, *text);
        }
    }
    return (int)sink->length;
}

int vsnprintf(char *buffer, size_t size, const char *text, va_list arguments) {
    sink_t sink = {buffer, size, 0};
    int length = format(&sink, text, arguments);
    if (buffer && size) buffer[sink.length < size ? sink.length : size - 1] = 0;
    return length;
}

int snprintf(char *buffer, size_t size, const char *text, ...) {
    va_list arguments; va_start(arguments, text);
    int length = vsnprintf(buffer, size, text, arguments);
    va_end(arguments);
    return length;
}

int vprintf(const char *text, va_list arguments) {
    sink_t sink = {NULL, 0, 0};
    return format(&sink, text, arguments);
}

int printf(const char *text, ...) {
    va_list arguments; va_start(arguments, text);
    int length = vprintf(text, arguments);
    va_end(arguments);
    return length;
}

int putchar(int c) { char byte = (char)c; solo5_console_write(&byte, 1); return c; }
int puts(const char *s) { solo5_console_write(s, strlen(s)); solo5_console_write("\n", 1); return 0; }

// There is one stream, the console; stdout and stderr both name it.
void *stdout, *stderr;
int fputs(const char *s, void *stream) { (void)stream; solo5_console_write(s, strlen(s)); return 0; }
int fflush(void *stream) { (void)stream; return 0; }
int fprintf(void *stream, const char *text, ...) {
    (void)stream;
    va_list arguments; va_start(arguments, text);
    int length = vprintf(text, arguments);
    va_end(arguments);
    return length;
}
int vfprintf(void *stream, const char *text, va_list arguments) { (void)stream; return vprintf(text, arguments); }

// ---- ending --------------------------------------------------------------------------------

void exit(int status) { solo5_exit(status); }
void abort(void) {
    static const char message[] = "Swiftlet: abort() called\n";
    solo5_console_write(message, sizeof message - 1);
    solo5_abort();
}

// C++ runtime pieces the concurrency runtime refers to.
void __cxa_pure_virtual(void) { abort(); }
void _ZSt20__throw_length_errorPKc(const char *what) { (void)what; abort(); }
void _ZSt17__throw_bad_allocv(void) { abort(); }
void _ZSt28__throw_bad_array_new_lengthv(void) { abort(); }
void *_Znwm(size_t size) { void *p = malloc(size); if (!p) abort(); return p; }
void _ZdlPv(void *p) { free(p); }
void _ZdlPvm(void *p, size_t size) { (void)size; free(p); }
int __cxa_atexit(void (*f)(void *), void *argument, void *handle) { (void)f; (void)argument; (void)handle; return 0; }
void *__dso_handle;

struct timespec_ { long tv_sec; long tv_nsec; };
int clock_gettime(int clock, struct timespec_ *time) {
    solo5_time_t now = clock == 0 ? solo5_clock_wall() : solo5_clock_monotonic();
    time->tv_sec = (long)(now / 1000000000ULL);
    time->tv_nsec = (long)(now % 1000000000ULL);
    return 0;
}
// std::chrono::steady_clock::now(), used by the concurrency runtime's clock.
int64_t _ZNSt6chrono3_V212steady_clock3nowEv(void) { return (int64_t)solo5_clock_monotonic(); }
int64_t _ZNSt6chrono3_V212system_clock3nowEv(void) { return (int64_t)solo5_clock_wall(); }

// ---- the stack protector and start-up ------------------------------------------------------

// Code built for x86_64-linux-gnu reads the stack canary at %fs:0x28: a small thread control
// block holds it, with %fs:0 pointing at the block itself as the ABI expects.
static uint64_t thread_block[16] __attribute__((aligned(64)));

void __stack_chk_fail(void) {
    static const char message[] = "Swiftlet: stack smashing detected; aborting\n";
    solo5_console_write(message, sizeof message - 1);
    solo5_abort();
}

// The checked copies of _FORTIFY_SOURCE, which Debian's libbearssl.a calls: `capacity` is the
// destination's size as the compiler knew it.
static void fortify_fail(void) {
    static const char message[] = "Swiftlet: buffer overflow detected; aborting\n";
    solo5_console_write(message, sizeof message - 1);
    solo5_abort();
}
void *__memcpy_chk(void *to, const void *from, size_t n, size_t capacity) {
    if (n > capacity) fortify_fail();
    return memcpy(to, from, n);
}
void *__memmove_chk(void *to, const void *from, size_t n, size_t capacity) {
    if (n > capacity) fortify_fail();
    return memmove(to, from, n);
}
void *__memset_chk(void *to, int value, size_t n, size_t capacity) {
    if (n > capacity) fortify_fail();
    return memset(to, value, n);
}

__attribute__((weak)) void swiftlet_platform_devices_init(void) {}

static const char *command_line = "";
const char *swiftlet_cmdline(void) { return command_line; }

static void banner_line(const char *what, uintptr_t from, uintptr_t to) {
    printf("Swiftlet: %s @ (0x%lx - 0x%lx)\n", what, (unsigned long)from, (unsigned long)to - 1);
}

/// Called by a target's entry point once it can write to the console.
__attribute__((noreturn, no_stack_protector))
void swiftlet_solo5_start(const char *cmdline, uintptr_t heap_start, size_t heap_size, uint64_t memory_size) {
    thread_block[0] = (uintptr_t)thread_block;
    uint64_t canary = swiftlet_platform_cpu_ticks();
    thread_block[5] = (canary ^ (canary << 32) ^ 0x5357494654ULL) & ~(uint64_t)0xff00;  // %fs:0x28
    if (swiftlet_platform_set_tls_base((uintptr_t)thread_block) != 0) {
        static const char message[] = "Swiftlet: cannot set the TLS base\n";
        solo5_console_write(message, sizeof message - 1);
        solo5_abort();
    }
    command_line = cmdline ? cmdline : "";
    heap_init(heap_start, heap_size);
    printf("Swiftlet: memory map: %lu MB addressable:\n", (unsigned long)(memory_size >> 20));
    banner_line("  text", (uintptr_t)__swiftlet_text_start, (uintptr_t)__swiftlet_text_end);
    banner_line("rodata", (uintptr_t)__swiftlet_text_end, (uintptr_t)__swiftlet_rodata_end);
    banner_line("  data", (uintptr_t)__swiftlet_rodata_end, (uintptr_t)__swiftlet_data_end);
    banner_line("  heap", heap_start, heap_start + heap_size);
    swiftlet_platform_devices_init();
    solo5_exit(main(0, NULL));
}
