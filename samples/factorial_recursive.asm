# Recursive factorial through local calls: r0 = 20!. Each call saves r6-r9 and gets a fresh stack frame.
# profile: tbpf
# expect: 0x21c3677c82b40000
mov64 r1, 20
call factorial
exit
factorial:                # r0 = r1!
mov64 r6, r1
jgt r1, 1, recurse
mov64 r0, 1
exit
recurse:
sub64 r1, 1
call factorial
mul64 r0, r6              # r6 survived the call
exit
