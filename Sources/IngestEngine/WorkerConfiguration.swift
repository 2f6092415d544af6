import Foundation
import IngestCore

/// How a worker runs: which queues, how many tasks at once, how long a lease lasts.
public struct WorkerConfiguration: Sendable {
    /// Queues to take tasks from, in priority order (iRODS automated ingest's `-Q restart,path,file`).
    public var queues: [String]
    /// Tasks run at once (iRODS automated ingest's `-c N`).
    public var concurrency: Int
    /// Seconds a claimed task stays with this worker without renewal; a dead worker's tasks
    /// go back on their queues this long after its last renewal.
    public var leaseDuration: Double
    /// Longest pause between looks at empty queues.
    public var maximumPollInterval: Double
    /// Shown in logs and stored on claimed tasks.
    public var workerID: String
    /// When set, the worker drains and stops once this job has ended (`start --synchronous`).
    public var stopWhenJobEnds: String?
    /// `--burst`: stop once the queues have nothing ready and nothing is running (as `rq worker --burst`).
    public var burst = false
    /// The queues the worker's record shows; nil: `queues`. Empty for a worker on every queue, whose
    /// `queues` are only the ones the broker knew when it last looked.
    public var advertisedQueues: [String]?

    public init(
        queues: [String], concurrency: Int = 2, leaseDuration: Double = 30, maximumPollInterval: Double = 0.1,
        workerID: String = WorkerConfiguration.defaultWorkerID(), stopWhenJobEnds: String? = nil
    ) {
        self.queues = queues
        self.concurrency = max(1, concurrency)
        self.leaseDuration = leaseDuration
        self.maximumPollInterval = maximumPollInterval
        self.workerID = workerID
        self.stopWhenJobEnds = stopWhenJobEnds
    }

    /// Four tasks per CPU: sync tasks spend most of their time waiting on the file system and the database.
    public static var defaultConcurrency: Int { 4 * ProcessInfo.processInfo.activeProcessorCount }

    /// Refuses a lease or poll interval that would trap when turned into a `Duration` (not finite,
    /// absurdly long) or that no lease could work with (0 or less).
    /// - Throws: `InvalidWorkerConfiguration` naming the setting and the allowed range.
    public func validate() throws {
        if let problem = SecondsSetting.problem(with: leaseDuration, allowsZero: false) {
            throw InvalidWorkerConfiguration(setting: "lease duration (--lease_seconds)", problem: problem)
        }
        if let problem = SecondsSetting.problem(with: maximumPollInterval, allowsZero: false) {
            throw InvalidWorkerConfiguration(setting: "maximum poll interval", problem: problem)
        }
    }

    public static func defaultWorkerID() -> String {
        "\(hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    /// This machine's name as `gethostname` gives it. Not Foundation's `hostName`, which on Linux
    /// looks up every interface's address in DNS and can take seconds where DNS is slow or absent.
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }()
}

/// A worker configured with a value it cannot run with.
public struct InvalidWorkerConfiguration: Error, CustomStringConvertible {
    public var setting: String
    public var problem: String
    public var description: String { "worker \(setting): \(problem)" }
}
