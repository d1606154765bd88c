/* average: the mean of the input bytes. Built with -g so that errors name the C line: with an empty input it divides
 * by zero inside average(), and tbpf reports debug/average.c, the line and the function. */
#include <tos/tos.h>

static u64 average(const u8 *values, u64 count)
{
    u64 sum = 0;
    for (u64 i = 0; i < count; i++)
        sum += values[i];
    return sum / count;
}

TOS_ENTRYPOINT
{
    return average(input, input_len);
}
