/*
 * dispatch: input[0] picks an operation from a table of function pointers (called with callx), applied to the
 * u64 at input[2..10]; input[1] then picks one of 16 adjustments from a dense switch.
 */
#include <tos/tos.h>

typedef u64 (*operation)(u64);

static u64 op_double(u64 x) { return x * 2; }
static u64 op_square(u64 x) { return x * x; }
static u64 op_negate(u64 x) { return -x; }
static u64 op_popcount(u64 x)
{
    u64 n = 0;
    while (x) {
        n += x & 1;
        x >>= 1;
    }
    return n;
}

static operation const operations[] = {op_double, op_square, op_negate, op_popcount};

__attribute__((noinline)) static u64 adjust(u64 selector, u64 x)
{
    switch (selector) {
    case 0: return x + 11;
    case 1: return x ^ 0x5a5a;
    case 2: return x - 7;
    case 3: return x << 3;
    case 4: return x >> 2;
    case 5: return x * 13;
    case 6: return x | 0x100;
    case 7: return x & 0xff;
    case 8: return x + 1000;
    case 9: return x / 3;
    case 10: return x % 97;
    case 11: return ~x;
    case 12: return x + x / 2;
    case 13: return x * x + 1;
    case 14: return 42;
    case 15: return x - 1;
    default: return 0;
    }
}

TOS_ENTRYPOINT
{
    if (input_len != 10 || input[0] >= sizeof operations / sizeof operations[0])
        return (u64)-1;
    u64 x = tos_read_u64(input + 2);
    return adjust(input[1] & 15, operations[input[0]](x));
}
