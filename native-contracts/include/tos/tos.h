/*
 * tos.h: the contract SDK for TBPF (the TOS chain's eBPF VM).
 *
 * A contract is a C file compiled with stock clang:
 *     clang-19 -target bpf -mcpu=v3 -O2 -fno-builtin -I include -c contract.c -o contract.o
 * (-fno-builtin: without it clang turns copy loops into memcpy calls, which BPF cannot make).
 * Its entrypoint receives the invocation input (read only) and returns the exit code (0 = success; any other
 * value rolls back every state change of the invocation).
 *
 * Syscalls are plain extern functions: clang emits a call with an R_BPF_64_32 relocation against the name,
 * and the loader links it to the syscall registered under the Murmur3-32 hash of that name. Every pointer a
 * syscall receives is checked against the VM's memory regions; a bad one ends the run with an access violation.
 */
#ifndef TOS_TOS_H
#define TOS_TOS_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed long long i64;

#define TOS_ENTRYPOINT u64 entrypoint(const u8 *input, u64 input_len)

/* Memory map (DESIGN §3). The heap is zeroed for each invocation. */
#define TOS_HEAP_START ((u8 *)0x300000000ULL)
#define TOS_HEAP_SIZE (32 * 1024)

/* Storage and syscall limits. */
#define TOS_MAX_KEY_LEN 64
#define TOS_MAX_VALUE_LEN 1024
#define TOS_NOT_FOUND ((u64)-1)

/* Logging. */
extern u64 tos_log(const u8 *message, u64 len);

/* Contract storage: keys and values are byte strings. load copies up to value_cap bytes and returns the
 * value's full length, or TOS_NOT_FOUND. */
extern u64 tos_storage_load(const u8 *key, u64 key_len, u8 *value, u64 value_cap);
extern u64 tos_storage_store(const u8 *key, u64 key_len, const u8 *value, u64 value_len);
extern u64 tos_storage_delete(const u8 *key, u64 key_len);

/* Chain context and assets. */
extern u64 tos_get_contract_hash(u8 *out32);
extern u64 tos_get_balance(const u8 *account32, const u8 *asset32);
extern u64 tos_transfer(const u8 *to32, const u8 *asset32, u64 amount);
extern u64 tos_burn(const u8 *asset32, u64 amount);
extern u64 tos_get_tx_hash(u8 *out32);
extern u64 tos_get_tx_source(u8 *out32);
extern u64 tos_get_block_hash(u8 *out32);
extern u64 tos_get_block_height(void);
extern u64 tos_asset_create(const u8 *name, u64 name_len, u8 *out_asset32);
extern u64 tos_asset_mint(const u8 *asset32, u64 amount);
extern u64 tos_fire_event(const u8 *topic, u64 topic_len, const u8 *data, u64 data_len);

/* Small helpers (static inline: they compile into the contract). */
static inline u64 tos_strlen(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

static inline void tos_log_str(const char *s)
{
    tos_log((const u8 *)s, tos_strlen(s));
}

/* Logs "<label><decimal value>". */
static inline void tos_log_u64(const char *label, u64 value)
{
    u8 buffer[64];
    u64 n = 0;
    while (label[n] && n < 40) {
        buffer[n] = (u8)label[n];
        n++;
    }
    u8 digits[20];
    u64 count = 0;
    do {
        digits[count++] = (u8)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        buffer[n++] = digits[--count];
    tos_log(buffer, n);
}

static inline u64 tos_read_u64(const u8 *p)
{
    u64 v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline void tos_write_u64(u8 *p, u64 v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (u8)v;
        v >>= 8;
    }
}

static inline void tos_memcpy(u8 *dst, const u8 *src, u64 n)
{
    for (u64 i = 0; i < n; i++)
        dst[i] = src[i];
}

#endif
