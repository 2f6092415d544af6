import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Testing

// MARK: - Format

@Suite struct FormatTests {
    @Test func countGroupsThousandsWithCommas() {
        #expect(Format.count(0) == "0")
        #expect(Format.count(999) == "999")
        #expect(Format.count(1_000) == "1,000")
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(-12_345) == "-12,345")
    }

    @Test func bytesUseDecimalUnitsWithOneDecimal() {
        #expect(Format.bytes(0) == "0 B")
        #expect(Format.bytes(999) == "999 B")
        #expect(Format.bytes(1_000) == "1.0 KB")
        #expect(Format.bytes(1_500_000) == "1.5 MB")
        #expect(Format.bytes(2_340_000_000) == "2.3 GB")
        #expect(Format.bytes(7_000_000_000_000_000) == "7.0 PB")
    }

    @Test func durationShowsTenthsBelowTenSeconds() {
        #expect(Format.duration(0) == "0.0s")
        #expect(Format.duration(9.44) == "9.4s")
    }

    @Test func durationShowsMinutesAndHoursFromTenSeconds() {
        #expect(Format.duration(10) == "0:10")
        #expect(Format.duration(75) == "1:15")
        #expect(Format.duration(3_725) == "1:02:05")
        #expect(Format.duration(90_000) == "25:00:00")
    }

    @Test func durationOfNegativeOrNonFiniteIsDashes() {
        #expect(Format.duration(-1) == "--")
        #expect(Format.duration(.infinity) == "--")
        #expect(Format.duration(.nan) == "--")
    }
}

// MARK: - JobProgress

@Suite struct JobProgressTests {
    private func status(
        state: JobState = .running, counters: [String: Int64], elapsed: Double = 10
    ) -> JobStatus {
        let now = currentTimestamp()
        return JobStatus(
            name: "nightly", kind: "sync", spec: Data(), state: state, createdAt: now - elapsed,
            finishedAt: state.isTerminal ? now : nil, pendingTasks: 0, runningTasks: 0, counters: counters)
    }

    @Test func lineShowsDoneOverSeen() {
        var progress = JobProgress()

        let line = progress.line(for: status(counters: [
            Counter.entriesSeen: 2_000, Counter.entriesCreated: 1_000, Counter.entriesUnchanged: 500,
        ]))

        #expect(line.hasPrefix("nightly ["))
        #expect(line.contains("1,500/2,000 entries"))
    }

    @Test func lineBarIsFilledByTheDoneFraction() {
        var progress = JobProgress()

        let line = progress.line(for: status(counters: [Counter.entriesSeen: 100, Counter.entriesCreated: 50]), width: 10)

        #expect(line.contains("[#####.....]"))
    }

    @Test func lineShowsFailedCountWhenTasksFailed() {
        var progress = JobProgress()

        let line = progress.line(for: status(counters: [Counter.entriesSeen: 10, Counter.tasksFailed: 1_203]))

        #expect(line.hasSuffix("failed 1,203"))
    }

    @Test func lineOmitsFailedWhenNoTaskFailed() {
        var progress = JobProgress()

        let line = progress.line(for: status(counters: [Counter.entriesSeen: 10, Counter.entriesCreated: 4]))

        #expect(!line.contains("failed"))
    }

    @Test func lineShowsAFullBarAndNoETAForATerminalJob() {
        var progress = JobProgress()

        let line = progress.line(
            for: status(state: .stopped, counters: [Counter.entriesSeen: 100, Counter.entriesCreated: 10]), width: 20)

        #expect(line.contains("[" + String(repeating: "#", count: 20) + "]"))
        #expect(line.contains("ETA 0:00"))
    }

    @Test func summaryNamesEveryOutcome() {
        let summary = JobProgress.summary(for: status(state: .completed, counters: [
            Counter.entriesCreated: 1, Counter.entriesUpdated: 2, Counter.entriesUnchanged: 3_000,
            Counter.entriesSkipped: 4, Counter.entriesFailed: 5,
        ]))

        #expect(summary.hasPrefix("job nightly completed in "))
        #expect(summary.contains("3,012 entries"))
        #expect(summary.contains("created 1"))
        #expect(summary.contains("updated 2"))
        #expect(summary.contains("unchanged 3,000"))
        #expect(summary.contains("skipped 4"))
        #expect(summary.contains("failed 5"))
    }

    @Test func summaryTellsHowToSeeFailuresWhenTasksFailed() {
        let summary = JobProgress.summary(for: status(state: .failed, counters: [Counter.tasksFailed: 2]))

        #expect(summary.contains("`ingest failed nightly`"))
        #expect(summary.contains("`ingest requeue nightly`"))
    }
}

// MARK: - LogRotation

@Suite struct LogRotationTests {
    /// Wednesday 2024-01-03 10:00:00 UTC.
    private let wednesdayMorning = Date(timeIntervalSince1970: 1_704_276_000)

    private var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// Midnight UTC at the start of 2024-01-`day`.
    private func january(_ day: Int) -> Date {
        Date(timeIntervalSince1970: 1_704_067_200 + Double(day - 1) * 86_400)
    }

    @Test(arguments: [
        ("S", LogRotation.Unit.seconds), ("s", .seconds), ("M", .minutes), ("h", .hours), ("D", .days),
        ("midnight", .midnight), ("MIDNIGHT", .midnight), ("Midnight", .midnight),
        ("W0", .weekday(0)), ("w3", .weekday(3)), ("W6", .weekday(6)),
    ])
    func whenIsAcceptedCaseInsensitively(when: String, unit: LogRotation.Unit) throws {
        let rotation = try LogRotation(when: when, interval: 2)

        #expect(rotation.unit == unit)
        #expect(rotation.interval == 2)
    }

    @Test(arguments: ["X", "", "W7", "W", "W10", "WX", "second", "midnightly"])
    func unknownWhenIsRejectedNamingTheOption(when: String) {
        let error = #expect(throws: IngestErrorForLogging.self) {
            _ = try LogRotation(when: when, interval: 1)
        }

        #expect(error?.description.contains("--log_when") == true)
    }

    @Test func zeroIntervalIsRejected() {
        let error = #expect(throws: IngestErrorForLogging.self) {
            _ = try LogRotation(when: "S", interval: 0)
        }

        #expect(error?.description.contains("--log_interval") == true)
    }

    @Test func secondsRollOverAfterTheInterval() throws {
        let rotation = try LogRotation(when: "S", interval: 5)

        #expect(rotation.nextRollover(after: wednesdayMorning, calendar: utc) == wednesdayMorning.addingTimeInterval(5))
    }

    @Test func minutesRollOverAfterTheInterval() throws {
        let rotation = try LogRotation(when: "M", interval: 3)

        #expect(rotation.nextRollover(after: wednesdayMorning, calendar: utc) == wednesdayMorning.addingTimeInterval(180))
    }

    @Test func midnightRollsOverAtTheNextMidnight() throws {
        let rotation = try LogRotation(when: "midnight", interval: 1)

        #expect(rotation.nextRollover(after: wednesdayMorning, calendar: utc) == january(4))
    }

    @Test func midnightWithIntervalTwoSkipsADay() throws {
        let rotation = try LogRotation(when: "midnight", interval: 2)

        #expect(rotation.nextRollover(after: wednesdayMorning, calendar: utc) == january(5))
    }

    /// Python's handler rolls over at the midnight that ends the named weekday.
    @Test func weekdayRollsOverAtTheEndOfTheNextSuchDayAsPythonDoes() throws {
        #expect(try LogRotation(when: "W4", interval: 1).nextRollover(after: wednesdayMorning, calendar: utc) == january(6))
        #expect(try LogRotation(when: "W0", interval: 1).nextRollover(after: wednesdayMorning, calendar: utc) == january(9))
    }

    @Test func weekdayOfTodayRollsOverTonight() throws {
        let rotation = try LogRotation(when: "W2", interval: 1)

        #expect(rotation.nextRollover(after: wednesdayMorning, calendar: utc) == january(4))
    }

    @Test func suffixFormatFollowsTheUnit() throws {
        #expect(try LogRotation(when: "S", interval: 1).suffixFormat == "yyyy-MM-dd_HH-mm-ss")
        #expect(try LogRotation(when: "M", interval: 1).suffixFormat == "yyyy-MM-dd_HH-mm")
        #expect(try LogRotation(when: "H", interval: 1).suffixFormat == "yyyy-MM-dd_HH")
        #expect(try LogRotation(when: "midnight", interval: 1).suffixFormat == "yyyy-MM-dd")
    }
}

// MARK: - RotatingLogFile

@Suite struct RotatingLogFileTests {
    private func contents(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func appendWritesOneLinePerCall() throws {
        let directory = try TemporaryDirectory()
        let file = try RotatingLogFile(path: directory.subpath("logs/ingest.log"), rotation: nil)

        file.append("first")
        file.append("second")

        #expect(try contents(file.path) == "first\nsecond\n")
    }

    @Test func fileRollsOverWhenTheIntervalHasPassed() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("ingest.log")
        let file = try RotatingLogFile(path: path, rotation: try LogRotation(when: "S", interval: 1))

        file.append("first")
        try await Task.sleep(for: .milliseconds(1_100))
        file.append("second")

        let rotated = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("ingest.log.") }
        #expect(rotated.count == 1)
        let name = try #require(rotated.first)
        let suffix = String(name.dropFirst("ingest.log.".count))
        #expect(suffix.wholeMatch(of: /\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}/) != nil)
        #expect(try contents(directory.subpath(name)) == "first\n")
        #expect(try contents(path) == "second\n")
    }

    @Test func openingInAMissingDirectoryCreatesIt() throws {
        let directory = try TemporaryDirectory()

        let file = try RotatingLogFile(path: directory.subpath("a/b/ingest.log"), rotation: nil)
        file.append("x")

        #expect(FileManager.default.fileExists(atPath: directory.subpath("a/b/ingest.log")))
    }

    @Test func unopenableFileThrowsNamingTheOption() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.subpath("taken"), withIntermediateDirectories: false)

        let error = #expect(throws: IngestErrorForLogging.self) {
            _ = try RotatingLogFile(path: directory.subpath("taken"), rotation: nil)
        }

        #expect(error?.description.contains("--log_filename") == true)
    }
}

// MARK: - JSONLinesLogHandler

/// Collects what a log handler writes, from any thread.
private final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    func append(_ line: String) {
        lock.withLock { collected.append(line) }
    }

    var lines: [String] {
        lock.withLock { collected }
    }
}

@Suite struct JSONLinesLogHandlerTests {
    private func logger(level: Logger.Level = .info, collector: LineCollector) -> Logger {
        Logger(label: "ingest.test") { label in
            JSONLinesLogHandler(label: label, level: level, sink: { collector.append($0) })
        }
    }

    private func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func eachRecordIsOneJSONObjectOnOneLine() throws {
        let collector = LineCollector()
        let logger = logger(collector: collector)

        logger.info("first")
        logger.warning("second\nwith a newline")

        #expect(collector.lines.count == 2)
        for line in collector.lines {
            #expect(!line.contains("\n"))
            _ = try object(line)
        }
    }

    @Test func recordCarriesTimeLevelMessageAndLabel() throws {
        let collector = LineCollector()

        logger(collector: collector).error("copy failed")

        let record = try object(try #require(collector.lines.first))
        #expect(record["level"] as? String == "error")
        #expect(record["message"] as? String == "copy failed")
        #expect(record["label"] as? String == "ingest.test")
        let time = try #require(record["time"] as? String)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(parser.date(from: time))
        #expect(abs(date.timeIntervalSinceNow) < 60)
    }

    @Test func recordCarriesLoggerAndEventMetadataAsKeys() throws {
        let collector = LineCollector()
        var logger = logger(collector: collector)
        logger[metadataKey: "ingest.job"] = "nightly"
        logger[metadataKey: "ingest.task"] = "1"

        logger.info("registered", metadata: ["path": "/zone/data/a.txt", "ingest.task": "2"])

        let record = try object(try #require(collector.lines.first))
        #expect(record["ingest.job"] as? String == "nightly")
        #expect(record["path"] as? String == "/zone/data/a.txt")
        #expect(record["ingest.task"] as? String == "2")
        #expect(Set(record.keys) == ["time", "level", "label", "message", "ingest.job", "ingest.task", "path"])
    }

    @Test func recordsBelowTheLevelAreDropped() {
        let collector = LineCollector()
        let logger = logger(level: .notice, collector: collector)

        logger.info("quiet")
        logger.notice("loud")

        #expect(collector.lines.count == 1)
    }
}

// MARK: - LogicalPath

@Suite struct LogicalPathTests {
    @Test func normalizeCanonicalizesEmptyAndDotSegmentsAndTrailingSlash() {
        #expect(LogicalPath.normalize("//a/./b/") == .success("/a/b"))
        #expect(LogicalPath.normalize("/tempZone/home/rods") == .success("/tempZone/home/rods"))
    }

    @Test func normalizeRejectsARelativePath() throws {
        guard case .failure(let error) = LogicalPath.normalize("home/rods") else {
            Issue.record("a relative path was accepted")
            return
        }
        #expect(error.description.contains("'home/rods'"))
        #expect(error.description.contains("relative"))
    }

    @Test(arguments: ["/", "//", "/./"])
    func normalizeRejectsTheRoot(path: String) {
        guard case .failure(let error) = LogicalPath.normalize(path) else {
            Issue.record("the root \(path) was accepted")
            return
        }
        #expect(error.description.contains("root"))
    }

    @Test(arguments: ["/a/../b", "/..", "/a/.."])
    func normalizeRejectsDotDot(path: String) {
        guard case .failure(let error) = LogicalPath.normalize(path) else {
            Issue.record("\(path) was accepted")
            return
        }
        #expect(error.description.contains("'..'"))
    }

    @Test func parentOfAPath() {
        #expect(LogicalPath.parent(of: "/a/b/c") == "/a/b")
        #expect(LogicalPath.parent(of: "/a") == "/")
        #expect(LogicalPath.parent(of: "/") == nil)
    }

    @Test func nameIsTheLastSegment() {
        #expect(LogicalPath.name(of: "/a/b/c.txt") == "c.txt")
        #expect(LogicalPath.name(of: "/a") == "a")
    }

    @Test func joinAddsOneSlash() {
        #expect(LogicalPath.join("/a/b", "c") == "/a/b/c")
        #expect(LogicalPath.join("/", "a") == "/a")
    }

    @Test func lineageListsAncestorsBelowTheRootShortestFirst() {
        #expect(LogicalPath.lineage(of: "/a/b/c") == ["/a", "/a/b", "/a/b/c"])
        #expect(LogicalPath.lineage(of: "/a") == ["/a"])
        #expect(LogicalPath.lineage(of: "/") == [])
    }
}

// MARK: - Progress that follows the kind (issue 12, B10)

@Suite struct KindAwareProgressTests {
    private func status(createdAgo: Double, startedAgo: Double?, counters: [String: Int64], state: JobState = .running) -> JobStatus {
        let now = currentTimestamp()
        return JobStatus(
            name: "big", kind: "sync", spec: Data(), state: state, createdAt: now - createdAgo, startedAt: startedAgo.map { now - $0 },
            finishedAt: nil, pendingTasks: 1, runningTasks: 1, counters: counters)
    }

    @Test func whileListingTheTotalIsALowerBoundWithoutETA() {
        var progress = JobProgress()
        let line = progress.line(
            for: status(createdAgo: 10, startedAgo: 10, counters: [Counter.entriesSeen: 500, Counter.entriesCreated: 100]),
            report: JobReport(summary: "", totalIsFinal: false))
        #expect(line.contains("100/500+ entries"), "\(line)")
        #expect(line.contains("ETA -- (still listing)"), "\(line)")

        var listed = JobProgress()
        let final = listed.line(
            for: status(createdAgo: 10, startedAgo: 10, counters: [Counter.entriesSeen: 500, Counter.entriesCreated: 100]),
            report: JobReport(summary: ""))
        #expect(final.contains("100/500 entries") && !final.contains("still listing"), "\(final)")
    }

    @Test func ratesOfAJobThatWaitedCountFromItsFirstClaim() {
        var progress = JobProgress()
        // Queued for 990 s, then 1,000 entries in 10 s: 100 entries/s, not 1.
        let line = progress.line(for: status(createdAgo: 1000, startedAgo: 10, counters: [Counter.entriesSeen: 2000, Counter.entriesCreated: 1000]))
        let rate = line.firstMatch(of: /B  (\d+) entries\/s/).flatMap { Int($0.1) }
        #expect(rate.map { (90...110).contains($0) } == true, "\(line)")
        // 10 s, or 11 when this machine stalls between building the status and drawing it.
        #expect(line.contains(/elapsed 0:1[01]/), "\(line)")
    }

    @Test func aQueuedJobHasNoElapsedTimeOrRate() {
        var progress = JobProgress()
        let line = progress.line(for: status(createdAgo: 1000, startedAgo: nil, counters: [:], state: .queued))
        #expect(line.contains(" 0 entries/s") && line.contains("elapsed 0.0s"), "\(line)")
    }

    @Test func aKindWithItsOwnProgressShowsItInsteadOfEntries() {
        var progress = JobProgress()
        let report = JobReport(summary: "dataset.yml", progress: "chunks per layer 2: 8 / 64, 3: 0 / 8")
        let line = progress.line(for: status(createdAgo: 5, startedAgo: 5, counters: [:]), report: report)
        #expect(line.contains("chunks per layer 2: 8 / 64, 3: 0 / 8") && !line.contains("entries"), "\(line)")
        let summary = JobProgress.summary(for: status(createdAgo: 5, startedAgo: 5, counters: [:], state: .completed), report: report)
        #expect(summary.hasPrefix("job big completed in") && summary.contains("chunks per layer") && !summary.contains("entries"), "\(summary)")
    }
}
