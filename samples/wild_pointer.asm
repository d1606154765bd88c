# A store through a pointer outside every region is an access violation, not a host crash.
# profile: tbpf
# expect: AccessViolation
lddw r1, 0xdeadbeef00000000
stxdw [r1+0], r1
mov64 r0, 0
exit
