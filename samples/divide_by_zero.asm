# Division by a zero register is a typed runtime error under the TBPF profile (never a host exception).
# profile: tbpf
# expect: DivideByZero
mov64 r0, 10
mov64 r1, 0
div64 r0, r1
exit
