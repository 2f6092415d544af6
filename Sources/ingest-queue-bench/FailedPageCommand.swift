import ArgumentParser
import Foundation
import IngestCore
import IngestRedis
import IngestSQLite

/// `failed-page`: the Ingest side of `bench/failed-page`. Fills one broker with failed tasks
/// through its own `submit` and `enqueue` (tasks queued as failed, as a sync records an
/// unreadable entry, so the registry holds exactly what the brokers write), then times pages of
/// the failed registry as the REST API asks for them. Prints one JSON object.
struct FailedPageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failed-page", abstract: "Fill a broker with failed tasks and time pages of its failed registry.")

    @Option(help: "A redis:// URL, or the path of an SQLite state file (made if missing).")
    var broker: String

    @Option(help: "Failed tasks in all (default: 1000000).")
    var count = 1_000_000

    @Option(help: "One failure in this many is the small job's, the rest the big job's (default: 1000).")
    var every = 1000

    @Option(help: "Tasks per enqueue call (default: 10000).")
    var batch = 10_000

    @Option(help: "Entries per page (default: 50).")
    var limit = 50

    @Option(help: "Timed calls per page; the median is reported (default: 20).")
    var calls = 20

    static let queue = "file"

    func validate() throws {
        if count < 2 * every { throw ValidationError("--count must be at least twice --every, got \(count)") }
        if every < 2 { throw ValidationError("--every must be at least 2, got \(every)") }
        if batch < 1 || limit < 1 || calls < 1 { throw ValidationError("--batch, --limit and --calls must be at least 1") }
    }

    /// One kind of page: its filter, cursor and order.
    struct Page {
        var name: String
        var job: String?
        var after: Int64?
        var order: FailedOrder = .oldestFirst
    }

    struct Timing: Encodable {
        var page: String
        var entries: Int
        var p50Ms: Double
        var maxMs: Double
    }

    struct Report: Encodable {
        var broker: String
        var count: Int
        var smallJobCount: Int
        var fillSeconds: Double
        var pages: [Timing]
        /// Redis only: the first page of each job on a registry whose `jf:` sets are gone, as an
        /// earlier version leaves it (the page rebuilds the job's sets once).
        var rebuildMs: [String: Double]
    }

    func run() async throws {
        let isRedis = broker.hasPrefix("redis://") || broker.hasPrefix("rediss://")
        let redis = isRedis ? RedisBroker(url: try RedisURL(parsing: broker), keyPrefix: "ingest:") : nil
        let subject: any Broker = try redis ?? SQLiteBroker(path: broker)
        let fillSeconds = try await fill(subject)
        // Task ids start after whatever the broker held (none when fresh): the middle is relative to the first.
        guard let firstID = try await subject.failedTasks(job: nil, queue: nil, after: nil, limit: 1).first?.taskID else {
            throw ValidationError("no failed task after filling")
        }
        let middle = firstID + Int64(count / 2) - 1
        let half = Self.grouped(count / 2)
        let pages = [
            Page(name: "first page", job: nil, after: nil),
            Page(name: "middle page (after \(half))", job: nil, after: middle),
            Page(name: "newest first", job: nil, after: nil, order: .newestFirst),
            Page(name: "job with 1 in \(Self.grouped(every)): first page", job: "small", after: nil),
            Page(name: "job with 1 in \(Self.grouped(every)): middle page (after \(half))", job: "small", after: middle),
            Page(name: "job with \(Self.grouped(every - 1)) in \(Self.grouped(every)): middle page (after \(half))", job: "big", after: middle),
        ]
        var timings: [Timing] = []
        for page in pages { timings.append(try await time(page, on: subject)) }
        var rebuild: [String: Double] = [:]
        if let redis {
            for job in ["small", "big"] {
                try await redis.client.send(["DEL", "ingest:{ingest}:jf:\(job.utf8.count):\(job):\(Self.queue)"])
                let start = ContinuousClock.now
                let rebuilt = try await redis.failedTasks(job: job, queue: nil, after: nil, limit: limit)
                rebuild[job] = seconds(since: start) * 1000
                guard rebuilt.count == limit else { throw ValidationError("job \(job) after its rebuild: \(rebuilt.count) entries") }
            }
            await redis.close()
        }
        let report = Report(
            broker: isRedis ? "redis" : "sqlite", count: count, smallJobCount: count / every, fillSeconds: fillSeconds, pages: timings,
            rebuildMs: rebuild)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    /// 1000000 as 1,000,000.
    static func grouped(_ number: Int) -> String {
        var digits = String(number)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        return ([Substring(digits)] + groups).joined(separator: ",")
    }

    /// Both jobs, then `count` failures through `enqueue`, one in `every` the small job's, so the
    /// small job's failures are spread over the whole registry.
    private func fill(_ broker: any Broker) async throws -> Double {
        let start = ContinuousClock.now
        for job in ["big", "small"] {
            try await broker.submit(JobDefinition(name: job, kind: "bench", spec: Data("{}".utf8)), tasks: [])
        }
        for first in stride(from: 0, to: count, by: batch) {
            let tasks = (first..<min(first + batch, count)).map { index in
                let path = "/data/run\(index / 100_000)/dir\(index / 1000)/file\(index).tif"
                var task = NewTask(
                    job: index % every == 0 ? "small" : "big", queue: Self.queue, kind: "sync.file", key: path, payload: Data(path.utf8))
                task.failedWithError = "open \(path): Permission denied"
                return task
            }
            try await broker.enqueue(tasks)
        }
        return seconds(since: start)
    }

    /// The median and the slowest of `calls` calls, after one untimed call; every page is checked.
    private func time(_ page: Page, on broker: any Broker) async throws -> Timing {
        func fetch() async throws -> [FailedTask] {
            try await broker.failedTasks(job: page.job, queue: nil, after: page.after, limit: limit, order: page.order)
        }
        let expected = try await fetch()
        let ordered = zip(expected, expected.dropFirst()).allSatisfy {
            page.order == .oldestFirst ? $0.taskID < $1.taskID : $0.taskID > $1.taskID
        }
        guard expected.count == limit, ordered, page.job.map({ job in expected.allSatisfy { $0.job == job } }) ?? true else {
            throw ValidationError("\(page.name): \(expected.count) entries, in order: \(ordered)")
        }
        var milliseconds: [Double] = []
        for _ in 0..<calls {
            let start = ContinuousClock.now
            let tasks = try await fetch()
            milliseconds.append(seconds(since: start) * 1000)
            guard tasks.map(\.taskID) == expected.map(\.taskID) else { throw ValidationError("\(page.name): pages differ") }
        }
        milliseconds.sort()
        let half = milliseconds.count / 2
        let median = milliseconds.count % 2 == 0 ? (milliseconds[half - 1] + milliseconds[half]) / 2 : milliseconds[half]
        return Timing(page: page.name, entries: expected.count, p50Ms: median, maxMs: milliseconds.last ?? 0)
    }
}
