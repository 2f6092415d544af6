import Foundation
import IngestCore
import IngestSync
import Testing

/// What the sync kind tells `watch` about a job: its total is final only once listing is over.
@Suite struct SyncJobKindReportTests {
    private func status(state: JobState = .running) throws -> JobStatus {
        let spec = SyncSpec(source: "/data", target: "/tempZone/home/rods/data")
        return JobStatus(
            name: "s", kind: SyncSpec.jobKind, spec: try JSONEncoder().encode(spec), state: state, createdAt: 0, finishedAt: nil,
            pendingTasks: 1, runningTasks: 1, counters: [:])
    }

    @Test(arguments: [
        (["path": QueueCounts(ready: 3)], false),
        (["path": QueueCounts(running: 1)], false),
        (["restart": QueueCounts(ready: 1)], false),
        (["file": QueueCounts(ready: 40, running: 2), "path": QueueCounts(failed: 1)], true),
        ([:], true),
    ] as [([String: QueueCounts], Bool)])
    func theTotalIsFinalOnceNoDirectoryIsLeftToList(_ queues: [String: QueueCounts], _ final: Bool) throws {
        #expect(SyncJobKind().report(try status(), queues: queues).totalIsFinal == final)
    }

    @Test func anEndedJobsTotalIsFinal() throws {
        #expect(SyncJobKind().report(try status(state: .stopped), queues: ["path": QueueCounts(ready: 3)]).totalIsFinal)
    }
}
