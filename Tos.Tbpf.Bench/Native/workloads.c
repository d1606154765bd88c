/*
 * The four canonical workloads of ../shared/bench written in C, the unit the benchmark report measures against:
 * built with `gcc -O2 -shared -fPIC` by the benchmark run and timed in the same process as the engines.
 * Each function does exactly the eBPF program's work and returns its r0. The loop bounds arrive as arguments so that
 * the compiler cannot fold a whole workload into a constant, and an empty asm statement with a memory clobber between
 * passes keeps it from merging passes the eBPF program performs one by one.
 */
#include <stdint.h>

/* The compiler must assume the bytes at p were read and changed here. */
#define BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

uint64_t tbpf_alu64_loop(uint64_t iterations)
{
    uint64_t r0 = 0x0123456789abcdefULL, r5 = 0;
    for (uint64_t r1 = iterations; r1 != 0; r1--) {
        r0 ^= r0 << 13;
        r0 ^= r0 >> 7;
        r5 += r0;
        r5 *= 0x2545f491ULL;
    }
    return r0 ^ r5;
}

uint64_t tbpf_mem_sum(uint64_t *words, uint64_t count, uint64_t passes)
{
    for (uint64_t i = 0; i < count; i++)
        words[i] = i;
    uint64_t r0 = 0;
    for (uint64_t pass = 0; pass < passes; pass++) {
        BARRIER(words);
        for (uint64_t i = 0; i < count; i++)
            r0 += words[i];
    }
    return r0;
}

uint64_t tbpf_collatz(uint64_t limit)
{
    uint64_t r0 = 0;
    for (uint64_t n = 1; n <= limit; n++) {
        uint64_t x = n;
        while (x != 1) {
            x = (x & 1) ? 3 * x + 1 : x >> 1;
            r0++;
        }
    }
    return r0;
}

uint64_t tbpf_sieve_stack(uint64_t rounds)
{
    uint64_t r0 = 0;
    for (uint64_t round = 0; round < rounds; round++) {
        uint8_t flags[512];
        for (int i = 0; i < 512; i++)
            flags[i] = 1;
        for (uint64_t i = 2; i * i <= 511; i++)
            if (flags[i])
                for (uint64_t j = i * i; j < 512; j += i)
                    flags[j] = 0;
        for (int i = 2; i < 512; i++)
            r0 += flags[i];
        BARRIER(flags);
    }
    return r0;
}
