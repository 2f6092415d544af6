import ArgumentParser
import Foundation
import IngestCore

/// `wait`: polls the job's state through the broker until it has ended, then prints the wall
/// clock time it saw the end, the job's own `finishedAt`, and its counters.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait until the job has ended; print when (seconds since the epoch).")

    @OptionGroup var options: BenchOptions

    @Option(help: "Milliseconds between looks (default: 2).")
    var interval: Int = 2

    @Option(help: "Tasks the job must have done, checked at the end (default: not checked).")
    var expect: Int64?

    func run() async throws {
        let broker = try options.openBroker()
        try await broker.client.send(["PING"])
        // Tells the driving script that the clock may start.
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        while true {
            if let status = try await broker.job(named: options.job), status.state.isTerminal {
                let seen = currentTimestamp()
                let done = status.counters[Counter.tasksDone] ?? 0
                print(String(
                    format: "ended %@ seen_at %.6f finished_at %.6f done %lld",
                    status.state.rawValue, seen, status.finishedAt ?? seen, done))
                await broker.close()
                if let expect, done != expect {
                    throw ValidationError("job \(options.job) did \(done) tasks, expected \(expect)")
                }
                return
            }
            try await Task.sleep(for: .milliseconds(interval))
        }
    }
}
