#!/usr/bin/env bash
# Runs one SharpFuzz target under AFL++ for a while: publish, instrument the TBPF assemblies, seed, fuzz, report.
# Usage: fuzz/afl.sh elf|verify|diff [SECONDS]   (needs afl-fuzz: Debian's afl++ package; dotnet cake --target=Fuzz installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-60}
work=artifacts/afl/$target
rm -rf "$work"
mkdir -p "$work/seeds"
dotnet tool restore >/dev/null
dotnet publish fuzz/Tos.Tbpf.FuzzTargets -c Release -o "$work/bin" --nologo -v quiet
for assembly in Tos.Tbpf.Core Tos.Tbpf.Verifier Tos.Tbpf.Interpreter; do
    dotnet sharpfuzz "$work/bin/$assembly.dll" >/dev/null
done

# Seeds: real contracts for the loader; their text sections (after a profile byte) for bytecode targets.
case "$target" in
    elf) cp native-contracts/out/v3-O2/*.o "$work/seeds/" ;;
    *)
        printf '\x00\xb7\x00\x00\x00\x2a\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00' > "$work/seeds/answer"
        printf '\x01\xb7\x01\x00\x00\x05\x00\x00\x00\x3f\x11\x00\x00\x00\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00' > "$work/seeds/div"
        ;;
esac

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
afl-fuzz -V "$seconds" -i "$work/seeds" -o "$work/findings" -t 10000 -m none -- dotnet "$work/bin/Tos.Tbpf.FuzzTargets.dll" "$target" \
    > "$work/afl.log" 2>&1 || { tail -n 30 "$work/afl.log" >&2; exit 1; }

crashes=$(find "$work/findings" -path '*crashes/id:*' | wc -l)
execs=$(grep -h '^execs_done' "$work"/findings/*/fuzzer_stats | awk '{print $3}' | head -n 1)
echo "afl $target: ${execs:-0} executions in ${seconds} s, $crashes crash(es); results in $work/findings"
[ "$crashes" -eq 0 ]
