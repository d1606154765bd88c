# Sums the bytes of the (read-only) input region: r1 = its address, r2 = its length.
# profile: tbpf
# input-hex: 01 02 03 04 05
# expect: 0xf
mov64 r0, 0
jeq r2, 0, done
loop:
ldxb r3, [r1+0]
add64 r0, r3
add64 r1, 1
sub64 r2, 1
jne r2, 0, loop
done:
exit
