# An endless loop stops exactly when the compute budget runs out.
# profile: tbpf
# budget: 1000
# expect: ComputeBudgetExceeded
mov64 r0, 0
loop:
add64 r0, 1
ja loop
exit
