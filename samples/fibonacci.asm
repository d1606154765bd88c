# Iterative Fibonacci: r0 = fib(90), computed with 64-bit adds in a counted loop.
# profile: tbpf
# expect: 0x27f80ddaa1ba7878
mov64 r0, 0              # a
mov64 r1, 1              # b
mov64 r2, 90             # iterations left
loop:
mov64 r3, r1
add64 r1, r0             # b = a + b
mov64 r0, r3             # a = old b
sub64 r2, 1
jne r2, 0, loop
exit
