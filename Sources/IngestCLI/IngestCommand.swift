import ArgumentParser

/// `ingest`: sync trees into a catalog, run workers, and see where jobs stand.
public struct IngestCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Automated data ingest: sync trees into a catalog, with workers sharing embedded SQLite state.",
        version: "0.1.0",
        subcommands: [
            StartCommand.self, WorkerCommand.self, WorkersCommand.self, ListCommand.self, WatchCommand.self, StopCommand.self, ForgetCommand.self,
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
        await main(nil)
    }
}
