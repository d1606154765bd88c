/* hello_world: logs a greeting and the input's length. */
#include <tos/tos.h>

TOS_ENTRYPOINT
{
    tos_log_str("Hello, TOS!");
    tos_log_u64("input bytes: ", input_len);
    return 0;
}
