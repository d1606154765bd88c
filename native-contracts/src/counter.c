/* counter: adds the first input byte (1 when there is no input) to a counter kept in storage. */
#include <tos/tos.h>

static const u8 key[] = "count";

TOS_ENTRYPOINT
{
    u8 value[8] = {0};
    u64 count = 0;
    if (tos_storage_load(key, sizeof key - 1, value, sizeof value) == sizeof value)
        count = tos_read_u64(value);
    count += input_len > 0 ? input[0] : 1;
    tos_write_u64(value, count);
    tos_storage_store(key, sizeof key - 1, value, sizeof value);
    tos_log_u64("count = ", count);
    return 0;
}
