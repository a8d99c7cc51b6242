// Writes into this function's own machine code, which must be mapped read-only.
void write_into_text(void) {
    volatile unsigned char *code = (volatile unsigned char *)(void *)&write_into_text;
    code[0] = 0xcc;
}
