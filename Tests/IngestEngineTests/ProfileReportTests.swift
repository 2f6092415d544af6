import Foundation
import IngestEngine
import IngestTesting
import Testing

private func record(
    worker: String = "host:1", queue: String = "file", key: String = "/data/a", start: Double, end: Double,
    entries: Int = 10, bytes: Int = 1_000, outcome: String = "succeeded"
) -> ProfileRecord {
    ProfileRecord(
        job: "nightly", queue: queue, kind: "sync.file", key: key, worker: worker,
        start: start, end: end, entries: entries, bytes: bytes, outcome: outcome)
}

private func line(_ record: ProfileRecord) throws -> String {
    String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite struct ProfileReadTests {
    @Test func readsOneRecordPerLine() throws {
        let directory = try TemporaryDirectory()
        let first = record(start: 100, end: 101.5)
        let second = record(worker: "host:2", queue: "path", start: 100.5, end: 102, outcome: "failed")
        let path = try TreeBuilder.write(directory.path, "profile.jsonl", try line(first) + "\n" + line(second) + "\n")

        #expect(try ProfileReport.read(path: path) == [first, second])
    }

    @Test func readsTheFieldNamesWorkersWrite() throws {
        let directory = try TemporaryDirectory()
        let json = #"{"job":"j","queue":"file","kind":"sync.file","key":"/a","worker":"w1","start":1.25,"end":2.5,"entries":3,"bytes":40,"outcome":"retried"}"#
        let path = try TreeBuilder.write(directory.path, "profile.jsonl", json)

        let records = try ProfileReport.read(path: path)

        #expect(records == [ProfileRecord(
            job: "j", queue: "file", kind: "sync.file", key: "/a", worker: "w1", start: 1.25, end: 2.5,
            entries: 3, bytes: 40, outcome: "retried")])
    }

    @Test func skipsBlankLines() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(
            directory.path, "profile.jsonl",
            "\n" + (try line(record(start: 1, end: 2))) + "\r\n   \n\t\n" + (try line(record(start: 2, end: 3))) + "\n\n")

        #expect(try ProfileReport.read(path: path).count == 2)
    }

    @Test func emptyFileHasNoRecords() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(directory.path, "profile.jsonl", "")

        #expect(try ProfileReport.read(path: path).isEmpty)
    }

    @Test func malformedLineErrorNamesTheLineAndTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(
            directory.path, "profile.jsonl", (try line(record(start: 1, end: 2))) + "\n\n{\"job\": \"nightly\", oops\n")

        let error = try #require(throws: ProfileReadError.self) { try ProfileReport.read(path: path) }

        guard case .malformedLine(let reportedPath, let lineNumber, _) = error else {
            Issue.record("expected a malformed-line error, got \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(lineNumber == 3)
        #expect(error.description.contains("line 3"))
        #expect(error.description.contains(path))
    }

    @Test func missingFieldIsNamed() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(directory.path, "profile.jsonl", #"{"job":"j","queue":"q"}"#)

        let error = try #require(throws: ProfileReadError.self) { try ProfileReport.read(path: path) }

        #expect(error.description.contains("line 1"))
        #expect(error.description.contains("missing \"kind\""))
    }

    @Test func wrongTypeIsNamed() throws {
        let directory = try TemporaryDirectory()
        let json = #"{"job":"j","queue":"file","kind":"k","key":"/a","worker":"w","start":"soon","end":2,"entries":1,"bytes":1,"outcome":"succeeded"}"#
        let path = try TreeBuilder.write(directory.path, "profile.jsonl", json)

        let error = try #require(throws: ProfileReadError.self) { try ProfileReport.read(path: path) }

        #expect(error.description.contains("\"start\""))
    }

    @Test func missingFileSaysSo() throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("absent.jsonl")

        #expect(throws: ProfileReadError.unreadable(path: path, reason: "no such file")) {
            try ProfileReport.read(path: path)
        }
    }
}

@Suite struct ProfileSummaryTests {
    @Test func oneRowPerWorkerOrderedByName() {
        let rows = ProfileReport.summary([
            record(worker: "b", start: 0, end: 1), record(worker: "a", start: 0, end: 1), record(worker: "b", start: 1, end: 2),
        ])

        #expect(rows.map(\.worker) == ["a", "b"])
        #expect(rows.map(\.tasks) == [1, 2])
    }

    @Test func utilizationIsBusyOverSpan() {
        // Busy 1 + 2 = 3 s over a span from 10 to 16: 6 s.
        let row = ProfileReport.summary([record(start: 10, end: 11), record(start: 14, end: 16)])[0]

        #expect(row.busySeconds == 3)
        #expect(row.spanSeconds == 6)
        #expect(row.utilization == 0.5)
    }

    @Test func concurrentTasksGiveUtilizationAboveOne() {
        let row = ProfileReport.summary([record(start: 0, end: 4), record(start: 0, end: 4), record(start: 2, end: 4)])[0]

        #expect(row.busySeconds == 10)
        #expect(row.utilization == 2.5)
        #expect(row.peakConcurrency == 3)
    }

    @Test func backToBackTasksDoNotCountAsConcurrent() {
        let row = ProfileReport.summary([record(start: 0, end: 1), record(start: 1, end: 2)])[0]

        #expect(row.peakConcurrency == 1)
        #expect(row.utilization == 1)
    }

    @Test func sumsEntriesBytesAndCountsOnlyFailedOutcomes() {
        let row = ProfileReport.summary([
            record(start: 0, end: 1, entries: 5, bytes: 100, outcome: "succeeded"),
            record(start: 1, end: 2, entries: 7, bytes: 300, outcome: "failed"),
            record(start: 2, end: 3, entries: 0, bytes: 0, outcome: "retried"),
            record(start: 3, end: 4, entries: 0, bytes: 0, outcome: "cancelled"),
        ])[0]

        #expect(row.entries == 12)
        #expect(row.bytes == 400)
        #expect(row.failures == 1)
    }

    @Test func instantaneousTaskHasZeroUtilizationRatherThanInfinity() {
        let row = ProfileReport.summary([record(start: 5, end: 5)])[0]

        #expect(row.spanSeconds == 0)
        #expect(row.utilization == 0)
    }

    @Test func noRecordsGiveNoRows() {
        #expect(ProfileReport.summary([]).isEmpty)
    }
}

@Suite struct ProfileHTMLTests {
    private let records = [
        record(worker: "host-a:11", queue: "file", start: 1_000, end: 1_002),
        record(worker: "host-a:11", queue: "path", start: 1_001, end: 1_003),
        record(worker: "host-b:22", queue: "file", key: "/data/<script>alert(1)</script>", start: 1_002, end: 1_004, outcome: "failed"),
    ]

    @Test func isACompleteStandalonePage() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("</html>"))
        #expect(occurrences(of: "<svg", in: page) == 1)
        #expect(occurrences(of: "</svg>", in: page) == 1)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<link"))
        #expect(!page.contains("src="))
        #expect(!page.contains("@import"))
        #expect(!page.contains("url("))
    }

    @Test func drawsOneBarPerTask() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(occurrences(of: "<rect class=\"bar", in: page) == 3)
        #expect(occurrences(of: "</rect>", in: page) == 3)
    }

    @Test func marksFailedTasks() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(occurrences(of: "class=\"bar failed\"", in: page) == 1)
    }

    @Test func escapesStringsFromTheRecords() {
        let page = ProfileReport.html(records, title: "<b>title</b> & more")

        #expect(page.contains("/data/&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("&lt;b&gt;title&lt;/b&gt; &amp; more"))
        #expect(!page.contains("<script>"))
        #expect(!page.contains("<b>"))
    }

    @Test func labelsEachWorkersLane() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(occurrences(of: "class=\"lane-label\"", in: page) == 2)
        #expect(page.contains(">host-a:11</text>"))
        #expect(page.contains(">host-b:22</text>"))
    }

    @Test func hoverTitleCarriesTheTaskDetails() {
        let page = ProfileReport.html([record(key: "/data/x", start: 0, end: 2.5, entries: 1_234, bytes: 5_000_000, outcome: "retried")], title: "t")

        #expect(page.contains("job nightly\nkind sync.file\nkey /data/x\nqueue file\nworker host:1\nduration 2.5s\nentries 1,234\nbytes 5.0 MB\noutcome retried"))
    }

    @Test func legendNamesEachQueue() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(page.contains("queue file</span>"))
        #expect(page.contains("queue path</span>"))
    }

    @Test func includesTheSummaryTable() {
        let page = ProfileReport.html(records, title: "nightly")

        #expect(page.contains("<td>host-a:11</td><td>2</td>"))
        #expect(page.contains("<td>host-b:22</td><td>1</td>"))
    }

    @Test func busyLaneIsDrawnAsBucketsButKeepsItsFailures() {
        var many = (0..<50).map { record(start: Double($0), end: Double($0) + 1) }
        many.append(record(start: 10, end: 11, outcome: "failed"))

        let page = ProfileReport.html(many, title: "busy", maxBarsPerLane: 20)

        #expect(occurrences(of: "<rect class=\"bar", in: page) == 1)
        #expect(occurrences(of: "<rect class=\"bucket\"", in: page) > 0)
        #expect(page.contains("drawn as"))
    }

    @Test func hundredThousandTasksStayCompact() {
        let workers = (0..<8).map { "worker-\($0)" }
        let many = (0..<100_000).map { index in
            record(worker: workers[index % 8], key: "/data/\(index)", start: Double(index) * 0.01, end: Double(index) * 0.01 + 0.05,
                   outcome: index % 1_000 == 0 ? "failed" : "succeeded")
        }

        let page = ProfileReport.html(many, title: "large")

        #expect(page.utf8.count < 5_000_000)
        #expect(occurrences(of: "<rect class=\"bar failed\"", in: page) == 100)
    }

    @Test func emptyProfileStillRenders() {
        let page = ProfileReport.html([], title: "empty")

        #expect(page.contains("No tasks in this profile."))
        #expect(page.contains("</html>"))
    }
}
