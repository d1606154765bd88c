# Stores the input's 8 bytes on the stack and reads them back big-endian (be64), as network code does.
# profile: rfc9669
# input-hex: 01 02 03 04 05 06 07 08
# expect: 0x102030405060708
ldxdw %r2, [%r1+0]
stxdw [%r10-8], %r2
ldxdw %r0, [%r10-8]
be64 %r0
exit
