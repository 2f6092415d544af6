import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Workers and `start` launched together on a new `INGEST_HOME`: whichever process creates the
    /// state and catalog files, every one of them starts.
    @Suite struct ConcurrentStartupTests {
        @Test func startsAndWorkersLaunchedTogetherOnAFreshHomeAllSucceed() async throws {
            for round in 0..<3 {
                let world = try CLIWorld()
                try TreeBuilder.write(world.source.path, "a.txt", "a")
                let starts = 10
                let workerCount = 6
                // All launched before any is waited for, so their openings overlap.
                var launched: [(process: Process, log: String)] = []
                for index in 0..<starts + workerCount {
                    let log = world.home.subpath("process-\(index).log")
                    _ = FileManager.default.createFile(atPath: log, contents: nil)
                    let arguments = index < starts
                        ? ["start", world.source.path, "\(world.target)/\(index)", "--job_name", "job\(index)"]
                        : ["worker", "-Q", "restart,path,file", "-c", "1", "--log_level", "INFO"]
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                    let started = try world.ingest.launch(arguments, standardError: handle)
                    launched.append((started, log))
                }
                for (process, log) in launched.prefix(starts) {
                    await process.exited()
                    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    #expect(process.terminationStatus == 0, "round \(round): a start failed: \(output)")
                }
                // Every job runs to its end on the workers started alongside.
                for index in 0..<starts {
                    try await world.waitForJob("job\(index)", timeout: 120) { $0.state.isTerminal }
                }
                for (process, log) in launched.suffix(workerCount) {
                    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    #expect(process.isRunning, "round \(round): a worker ended: \(output)")
                    process.stopWorker()
                    #expect(process.terminationStatus == 0, "round \(round): \(output)")
                }
                let jobs = try await world.broker().jobs()
                #expect(jobs.count == starts)
                #expect(jobs.allSatisfy { $0.state == .completed }, "\(jobs.map { "\($0.name): \($0.state)" })")
            }
        }
    }
}
