/* sort: copies the input (little-endian u32s) to the heap, quicksorts it there, and logs the sorted bytes. */
#include <tos/tos.h>

static void swap(u32 *a, u32 *b)
{
    u32 t = *a;
    *a = *b;
    *b = t;
}

/* Lomuto partition around the middle element; recursion on the smaller side keeps the depth logarithmic. */
static void quicksort(u32 *v, i64 lo, i64 hi)
{
    while (lo < hi) {
        /* lo >= 0 and hi > lo here; BPF before v4 has no signed division, so halve unsigned. */
        swap(&v[(i64)((u64)(lo + hi) >> 1)], &v[hi]);
        u32 pivot = v[hi];
        i64 store = lo;
        for (i64 i = lo; i < hi; i++)
            if (v[i] < pivot)
                swap(&v[i], &v[store++]);
        swap(&v[store], &v[hi]);
        if (store - lo < hi - store) {
            quicksort(v, lo, store - 1);
            lo = store + 1;
        } else {
            quicksort(v, store + 1, hi);
            hi = store - 1;
        }
    }
}

TOS_ENTRYPOINT
{
    if (input_len % 4 != 0 || input_len > TOS_HEAP_SIZE)
        return 1;
    u32 *values = (u32 *)TOS_HEAP_START;
    u64 count = input_len / 4;
    tos_memcpy((u8 *)values, input, input_len);
    quicksort(values, 0, (i64)count - 1);
    tos_log((const u8 *)values, input_len);
    return 0;
}
