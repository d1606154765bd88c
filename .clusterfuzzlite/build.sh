#!/bin/bash -eu
# Builds the SharpFuzz targets for libFuzzer (ClusterFuzzLite / OSS-Fuzz): publish, instrument, and one wrapper per target.
cd "$SRC/tbpf"
dotnet tool restore
dotnet publish fuzz/Tos.Tbpf.FuzzTargets -c Release -o "$OUT/tbpf"
for assembly in Tos.Tbpf.Core Tos.Tbpf.Verifier Tos.Tbpf.Interpreter; do
    dotnet sharpfuzz "$OUT/tbpf/$assembly.dll"
done
for target in elf verify diff; do
    # libfuzzer-dotnet (the SharpFuzz libFuzzer driver, built by the base image recipe) runs "dotnet DLL TARGET libfuzzer".
    cat > "$OUT/tbpf_$target" <<SCRIPT
#!/bin/sh
exec "\$(dirname "\$0")/libfuzzer-dotnet" --target_path=dotnet --target_arg="\$(dirname "\$0")/tbpf/Tos.Tbpf.FuzzTargets.dll $target libfuzzer" "\$@"
SCRIPT
    chmod +x "$OUT/tbpf_$target"
done
zip -j "$OUT/tbpf_elf_seed_corpus.zip" native-contracts/out/v3-O2/*.o
