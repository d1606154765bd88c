using System.CommandLine;
using Tos.Tbpf.Cli.Commands.Devnet;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Interpretation;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// What <c>trace</c> and <c>profile</c> share: <c>run</c>'s inputs (a program file in any format, or with
/// <c>--state DIR</c> a deployed contract's hash, run as an invocation that is never committed), run on the interpreter
/// with an observer before every instruction.
/// </summary>
internal sealed class ObservedRun
{
    private readonly Argument<string> _program = new("PROGRAM")
    {
        Description = "The program file (ELF object, assembler text or raw bytecode), or with --state a deployed contract's id.",
    };

    private readonly Option<string?> _format = CommonOptions.Format();
    private readonly Option<string> _profile = CommonOptions.Profile();
    private readonly Option<ulong> _budget = new("--budget")
    {
        Description = $"Compute units available (default {RunCommand.DefaultBudget}).",
        DefaultValueFactory = _ => RunCommand.DefaultBudget,
    };

    private readonly Option<FileInfo?> _input = new("--input") { Description = "A file whose bytes are the input region." };
    private readonly Option<string?> _inputHex = new("--input-hex") { Description = "The input as hex bytes." };
    private readonly Option<string?> _entry = CommonOptions.Entry();
    private readonly Option<DirectoryInfo?> _state = new("--state")
    {
        Description = "A devnet state folder: PROGRAM is then a deployed contract's id, run against that state (nothing is committed).",
    };

    /// <summary>Adds the shared arguments and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(_program);
        foreach (var option in new Option[] { _format, _profile, _budget, _input, _inputHex, _entry, _state })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The outcome of an observed run.</summary>
    public sealed record Outcome(ExecutionResult Result, ulong[] FinalRegisters, IReadOnlyList<string> Logs)
    {
        /// <summary>Prints r0 or the error (with its source line when known) and the units; returns the exit code.</summary>
        public int Print(VerifiedExecutable program)
        {
            Console.WriteLine(Result.Error is { } error
                ? $"error: {error.Kind} at pc {error.Pc}{SourceJson.Suffix(program.Executable.SourceMap.Find(error.Pc))}: {error.Message}"
                : $"r0 = 0x{Result.R0:x} ({(long)Result.R0})");
            Console.WriteLine($"compute units: {Result.ComputeUnits} (interpreter)");
            return Result.IsOk ? ExitCodes.Ok : ExitCodes.RuntimeError;
        }
    }

    /// <summary>Loads the program (or opens the state and finds the contract); throws <see cref="CliFailure"/> for
    /// anything wrong before it runs. Run it with <see cref="Loaded.Run"/>, then dispose of it.</summary>
    public Loaded Load(ParseResult parse)
    {
        var input = RunCommand.ReadInput(parse.GetValue(_input), parse.GetValue(_inputHex));
        var budget = parse.GetValue(_budget);
        if (parse.GetValue(_state) is { } folder)
        {
            var contract = DevnetOptions.ParseHash(parse.GetValue(_program)!, "PROGRAM");
            if (budget > ContractHost.MaxBudget)
            {
                throw new CliFailure("UsageError", $"--budget: a contract invocation takes at most {ContractHost.MaxBudget} units");
            }

            var store = StateFolder.Open(folder, 10, quiet: true);
            try
            {
                var program = new ContractHost(store).ProgramOf(contract)
                    ?? throw new CliFailure("UsageError", $"no contract {contract} is deployed in {folder.FullName}");
                return new Loaded(program, input, budget, store, contract);
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }

        var profile = CommonOptions.ParseProfile(parse.GetValue(_profile)!);
        return new Loaded(ProgramLoader.Load(parse.GetValue(_program)!, parse.GetValue(_format), profile, StandardSyscalls.For(profile),
            parse.GetValue(_entry)), input, budget, null, default);
    }

    /// <summary>A program ready to run observed: a file's, or a deployed contract's over its state.</summary>
    public sealed class Loaded(VerifiedExecutable program, byte[] input, ulong budget, RocksDbContractState? store, Hash32 contract)
        : IDisposable
    {
        public VerifiedExecutable Program { get; } = program;

        public Outcome Run(StepObserver observer)
        {
            var engine = new ObservingInterpreter(observer);
            if (store is not null)
            {
                // An invocation of the deployed contract, simulated: its reads see the state, its writes are dropped.
                var simulated = new ContractHost(store, engine).Simulate(contract, input, [], budget).Result;
                var result = simulated.Error is { } error
                    ? ExecutionResult.Fail(error, simulated.ComputeUnits)
                    : ExecutionResult.Ok(simulated.ExitCode ?? 0, simulated.ComputeUnits);
                return new Outcome(result, engine.FinalRegisters, simulated.Logs);
            }

            var host = Invocation.Offline();
            var memory = InvocationMemoryPool.Rent();
            try
            {
                var map = memory.Prepare(Program.Executable, input, host);
                var result = engine.Run(Program, map, budget, memory.Syscalls);
                return new Outcome(result, engine.FinalRegisters, host.LogLines.ToList());
            }
            finally
            {
                InvocationMemoryPool.Return(memory);
            }
        }

        public void Dispose() => store?.Dispose();
    }

    /// <summary>The interpreter, observed; keeps r0–r10 as the last run ended.</summary>
    private sealed class ObservingInterpreter(StepObserver observer) : IEngine
    {
        public ulong[] FinalRegisters { get; } = new ulong[11];

        public string Name => "interpreter";

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext = null) =>
            Interpreter.Observe(program, memory, budget, syscallContext, observer, FinalRegisters);

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext,
            Span<ulong> finalRegisters)
        {
            var result = Interpreter.Observe(program, memory, budget, syscallContext, observer, FinalRegisters);
            FinalRegisters.AsSpan(0, Math.Min(11, finalRegisters.Length)).CopyTo(finalRegisters);
            return result;
        }

        public void Prepare(VerifiedExecutable program)
        {
        }
    }
}
