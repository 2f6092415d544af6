import ArgumentParser
import Foundation
import IngestRuntime

/// `ingest`: sync trees into a catalog, run workers, and see where jobs stand.
public struct IngestCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Automated data ingest: sync trees into a catalog, with workers sharing embedded SQLite state.",
        version: "0.1.0",
        subcommands: [
            StartCommand.self, WorkerCommand.self, WorkersCommand.self, ServeCommand.self, ListCommand.self, WatchCommand.self, StopCommand.self, ForgetCommand.self,
            FailedCommand.self, RequeueCommand.self, FlushCommand.self,
            LsCommand.self, StatCommand.self, ResourceCommand.self, VerifyCommand.self, HistoryCommand.self,
            ProfileCommand.self,
            GraphCommand.self, StatusCommand.self, RateCommand.self, LayerCommand.self, ChunkCommand.self,
        ]
    )

    public init() {}
}

extension IngestCommand {
    /// Entry point for the `ingest` executable.
    public static func runFromCommandLine() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        // PyChunkedGraph users type `rqx requeue QUEUE --all` and `rqx status`: the same commands here.
        if arguments.first == "rqx" { arguments.removeFirst() }
        if let first = arguments.first, let answer = CommandSuggestion.answer(for: first) {
            FileHandle.standardError.write(Data((answer + "\n").utf8))
            Foundation.exit(64)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if ExitStatus.isUsageError(error) {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses, one rule for every command: 64 (EX_USAGE) when the command line asks for
/// something malformed or impossible (see `IngestRuntime.isUsageError`), 1 when running it failed
/// (a server down, a job that failed, something not found), 0 otherwise.
enum ExitStatus {
    static let usage: Int32 = 64

    static func isUsageError(_ error: any Error) -> Bool {
        error is UsageFailure || IngestRuntime.isUsageError(error)
    }
}
/// What to say to a command name ingest does not have: the nearest ones ("did you mean"), or the
/// command that does what another tool's spelling does.
enum CommandSuggestion {
    static var names: [String] {
        IngestCommand.configuration.subcommands.flatMap { [$0.configuration.commandName ?? ""] + $0.configuration.aliases }
    }

    /// Nil for a known command, an option, or `help`.
    static func answer(for word: String) -> String? {
        guard !word.hasPrefix("-"), word != "help", !names.contains(word) else { return nil }
        if word == "flask" {
            return "ingest is a program of its own: `flask ingest ...` commands are `ingest ...` here (`ingest graph GRAPH_ID dataset.yml`, `ingest status`); `ingest --help` lists them"
        }
        let near = names.map { ($0, distance(word.lowercased(), $0)) }.filter { $0.1 <= max(1, word.count / 3) }.sorted { $0.1 < $1.1 }
        let suggestion = near.isEmpty ? "" : "; did you mean \(near.prefix(3).map { "`ingest \($0.0)`" }.joined(separator: " or "))?"
        return "ingest has no command '\(word)'\(suggestion) (`ingest --help` lists every command)"
    }

    /// Edit distance (insertions, deletions, substitutions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
