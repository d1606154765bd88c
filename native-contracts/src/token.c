/*
 * token: a fungible token kept in storage. Every operation acts for the transaction's sender, which only the chain
 * can tell (tos_get_tx_source): nothing in the input can claim to be someone else.
 * The first input byte selects the operation; amounts are u64 little-endian.
 *   0 init(backing[32])        the sender becomes the admin; backing is the asset wrap accepts (all zero: none)
 *   1 mint(to[32], amount)     only the admin
 *   2 transfer(to[32], amount) from the sender's own balance; 3 when it is too low
 *   3 balance(account[32])     logs "balance N"
 *   4 wrap()                   mints to the sender what the contract received of the backing asset since the last
 *                              wrap or unwrap (the deposits of this invocation, moved to the contract before it runs)
 *   5 unwrap(amount)           burns the sender's tokens and pays as much of the backing asset back to the sender
 * Exit codes: 0 ok, 1 bad input, 2 not allowed, 3 insufficient balance, 4 overflow, 5 nothing to wrap.
 * Events: "mint" and "transfer" with data from[32] to[32] amount (the zero account stands for the token itself).
 */
#include <tos/tos.h>

enum { OK = 0, BAD_INPUT = 1, NOT_ALLOWED = 2, INSUFFICIENT = 3, OVERFLOW = 4, NOTHING_TO_WRAP = 5 };

static const u8 admin_key[] = "admin";
static const u8 backing_key[] = "backing";
static const u8 reserve_key[] = "reserve";
static const u8 supply_key[] = "supply";
static const u8 zero_account[32];

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

static void fire(const char *topic, const u8 *from, const u8 *to, u64 amount)
{
    u8 data[72];
    tos_memcpy(data, from, 32);
    tos_memcpy(data + 32, to, 32);
    tos_write_u64(data + 64, amount);
    tos_fire_event((const u8 *)topic, tos_strlen(topic), data, sizeof data);
}

/* Credits new tokens to an account, keeping the supply; 0 or OVERFLOW. */
static u64 issue(const u8 *to, u64 amount)
{
    u64 balance = balance_of(to);
    u64 supply = load_u64(supply_key, sizeof supply_key - 1);
    if (balance + amount < balance || supply + amount < supply)
        return OVERFLOW;
    set_balance(to, balance + amount);
    store_u64(supply_key, sizeof supply_key - 1, supply + amount);
    fire("mint", zero_account, to, amount);
    return OK;
}

static u64 init(const u8 *sender, const u8 *args, u64 len)
{
    u8 admin[32];
    if (len != 32)
        return BAD_INPUT;
    if (tos_storage_load(admin_key, sizeof admin_key - 1, admin, 32) != TOS_NOT_FOUND)
        return NOT_ALLOWED;
    tos_storage_store(admin_key, sizeof admin_key - 1, sender, 32);
    tos_storage_store(backing_key, sizeof backing_key - 1, args, 32);
    tos_log_str("token initialised");
    return OK;
}

static u64 mint(const u8 *sender, const u8 *args, u64 len)
{
    u8 admin[32];
    if (len != 40)
        return BAD_INPUT;
    if (tos_storage_load(admin_key, sizeof admin_key - 1, admin, 32) != 32 || !same(admin, sender))
        return NOT_ALLOWED;
    u64 amount = tos_read_u64(args + 32);
    u64 result = issue(args, amount);
    if (result == OK)
        tos_log_u64("minted ", amount);
    return result;
}

static u64 transfer(const u8 *sender, const u8 *args, u64 len)
{
    if (len != 40)
        return BAD_INPUT;
    const u8 *to = args;
    u64 amount = tos_read_u64(args + 32);
    u64 from = balance_of(sender);
    if (from < amount)
        return INSUFFICIENT;
    if (same(sender, to))
        return OK;
    u64 balance = balance_of(to);
    if (balance + amount < balance)
        return OVERFLOW;
    set_balance(sender, from - amount);
    set_balance(to, balance + amount);
    fire("transfer", sender, to, amount);
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

/* The backing asset into out; 0 when none is configured. */
static int backing(u8 *out)
{
    return tos_storage_load(backing_key, sizeof backing_key - 1, out, 32) == 32 && !same(out, zero_account);
}

static u64 wrap(const u8 *sender, u64 len)
{
    u8 asset[32], self[32];
    if (len != 0)
        return BAD_INPUT;
    if (!backing(asset))
        return NOT_ALLOWED;
    tos_get_contract_hash(self);
    u64 held = tos_get_balance(self, asset);
    u64 reserve = load_u64(reserve_key, sizeof reserve_key - 1);
    if (held <= reserve)
        return NOTHING_TO_WRAP;
    u64 result = issue(sender, held - reserve);
    if (result != OK)
        return result;
    store_u64(reserve_key, sizeof reserve_key - 1, held);
    tos_log_u64("wrapped ", held - reserve);
    return OK;
}

static u64 unwrap(const u8 *sender, const u8 *args, u64 len)
{
    u8 asset[32];
    if (len != 8)
        return BAD_INPUT;
    if (!backing(asset))
        return NOT_ALLOWED;
    u64 amount = tos_read_u64(args);
    u64 balance = balance_of(sender);
    if (balance < amount)
        return INSUFFICIENT;
    if (tos_transfer(sender, asset, amount) != 0)
        return INSUFFICIENT;
    set_balance(sender, balance - amount);
    store_u64(supply_key, sizeof supply_key - 1, load_u64(supply_key, sizeof supply_key - 1) - amount);
    store_u64(reserve_key, sizeof reserve_key - 1, load_u64(reserve_key, sizeof reserve_key - 1) - amount);
    fire("transfer", sender, zero_account, amount);
    tos_log_u64("unwrapped ", amount);
    return OK;
}

TOS_ENTRYPOINT
{
    u8 sender[32];
    if (input_len == 0)
        return BAD_INPUT;
    tos_get_tx_source(sender);
    const u8 *args = input + 1;
    u64 len = input_len - 1;
    switch (input[0]) {
    case 0: return init(sender, args, len);
    case 1: return mint(sender, args, len);
    case 2: return transfer(sender, args, len);
    case 3: return balance(args, len);
    case 4: return wrap(sender, len);
    case 5: return unwrap(sender, args, len);
    default: return BAD_INPUT;
    }
}
