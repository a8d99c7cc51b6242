// Writes past a stack buffer: the stack protector must catch it when the function returns.
#include <stddef.h>
void smash_the_stack(size_t length) {
    volatile char buffer[16];
    for (size_t i = 0; i < length; i++) buffer[i] = 'x';
}
