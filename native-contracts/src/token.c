/*
 * token: a fungible token kept in storage. The first input byte selects the operation:
 *   0 init(admin[32])                     the admin may mint; fails if already initialised
 *   1 mint(caller[32], to[32], amount u64) only the admin
 *   2 transfer(from[32], to[32], amount)   fails with 3 when the balance is too low
 *   3 balance(account[32])                 logs "balance N"
 * Exit codes: 0 ok, 1 bad input, 2 not allowed, 3 insufficient balance, 4 overflow.
 */
#include <tos/tos.h>

enum { OK = 0, BAD_INPUT = 1, NOT_ALLOWED = 2, INSUFFICIENT = 3, OVERFLOW = 4 };

static const u8 admin_key[] = "admin";
static const u8 supply_key[] = "supply";

/* Balance keys are "b" followed by the 32-byte account. */
static void balance_key(u8 *key, const u8 *account)
{
    key[0] = 'b';
    tos_memcpy(key + 1, account, 32);
}

static u64 load_u64(const u8 *key, u64 key_len)
{
    u8 value[8];
    if (tos_storage_load(key, key_len, value, 8) != 8)
        return 0;
    return tos_read_u64(value);
}

static void store_u64(const u8 *key, u64 key_len, u64 v)
{
    u8 value[8];
    tos_write_u64(value, v);
    tos_storage_store(key, key_len, value, 8);
}

static u64 balance_of(const u8 *account)
{
    u8 key[33];
    balance_key(key, account);
    return load_u64(key, sizeof key);
}

static void set_balance(const u8 *account, u64 amount)
{
    u8 key[33];
    balance_key(key, account);
    store_u64(key, sizeof key, amount);
}

static int same(const u8 *a, const u8 *b)
{
    for (int i = 0; i < 32; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static u64 init(const u8 *args, u64 len)
{
    u8 admin[32];
    if (len != 32)
        return BAD_INPUT;
    if (tos_storage_load(admin_key, sizeof admin_key - 1, admin, 32) != TOS_NOT_FOUND)
        return NOT_ALLOWED;
    tos_storage_store(admin_key, sizeof admin_key - 1, args, 32);
    tos_log_str("token initialised");
    return OK;
}

static u64 mint(const u8 *args, u64 len)
{
    u8 admin[32];
    if (len != 72)
        return BAD_INPUT;
    if (tos_storage_load(admin_key, sizeof admin_key - 1, admin, 32) != 32 || !same(admin, args))
        return NOT_ALLOWED;
    u64 amount = tos_read_u64(args + 64);
    u64 balance = balance_of(args + 32);
    u64 supply = load_u64(supply_key, sizeof supply_key - 1);
    if (balance + amount < balance || supply + amount < supply)
        return OVERFLOW;
    set_balance(args + 32, balance + amount);
    store_u64(supply_key, sizeof supply_key - 1, supply + amount);
    tos_log_u64("minted ", amount);
    return OK;
}

static u64 transfer(const u8 *args, u64 len)
{
    if (len != 72)
        return BAD_INPUT;
    u64 amount = tos_read_u64(args + 64);
    u64 from = balance_of(args);
    if (from < amount)
        return INSUFFICIENT;
    if (same(args, args + 32))
        return OK;
    u64 to = balance_of(args + 32);
    if (to + amount < to)
        return OVERFLOW;
    set_balance(args, from - amount);
    set_balance(args + 32, to + amount);
    tos_log_u64("transferred ", amount);
    return OK;
}

static u64 balance(const u8 *args, u64 len)
{
    if (len != 32)
        return BAD_INPUT;
    tos_log_u64("balance ", balance_of(args));
    return OK;
}

TOS_ENTRYPOINT
{
    if (input_len == 0)
        return BAD_INPUT;
    const u8 *args = input + 1;
    u64 len = input_len - 1;
    switch (input[0]) {
    case 0: return init(args, len);
    case 1: return mint(args, len);
    case 2: return transfer(args, len);
    case 3: return balance(args, len);
    default: return BAD_INPUT;
    }
}
