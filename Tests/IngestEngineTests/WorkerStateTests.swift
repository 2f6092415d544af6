import IngestCore
@testable import IngestEngine
import Testing

private typealias Action = WorkerState<Void>.Action

/// One thing that happens to a worker, and for the loop's own calls the decision it must get back.
private enum Step: Sendable {
    /// The loop starts a pass.
    case pass(Action)
    /// The claim returned these task IDs.
    case claimed([Int64], Action)
    /// The claim threw (the broker is unreachable).
    case claimFailed(Action)
    /// The broker said whether the job the worker waits for has ended.
    case jobEnded(Bool, Action)
    /// A handler returned; its completion is being committed.
    case handlerEnded
    /// The worker stopped waiting for a handler that is still running (timed out, abandoned).
    case outlived
    /// A handler that outlived its task returned.
    case outlivingReturned
    case committed(Int64)
    /// The task's lease was let go without a commit (the worker is torn down).
    case dropped(Int64)
    case drainRequested
    /// The loop read a handler-ended or commit-ended event.
    case taskEvent
    case tick
    /// The books at this point.
    case books(held: Int, busySlots: Int, processed: Int)
}

private struct Scenario: Sendable, CustomTestStringConvertible {
    let name: String
    var concurrency = 3
    var burst = false
    var waitsForJob = false
    let steps: [Step]

    var testDescription: String { name }
}

private func lease(_ id: Int64) -> TaskLease { TaskLease(taskID: id, fence: 1) }

private let scenarios: [Scenario] = [
    Scenario(name: "claims as many as the concurrency, then one per ended task", steps: [
        .pass(.claim(limit: 3)), .claimed([1, 2, 3], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.claim(limit: 1)), .claimed([4], .awaitEvent(tickAfter: nil)),
        .committed(1), .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .books(held: 3, busySlots: 3, processed: 1),
    ]),
    Scenario(name: "handlers that end together free their slots for one claim", steps: [
        .pass(.claim(limit: 3)), .claimed([1, 2, 3], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .handlerEnded, .taskEvent, .pass(.claim(limit: 2)),
    ]),
    Scenario(name: "a partial claim looks again after the shortest pause", steps: [
        .pass(.claim(limit: 3)), .claimed([1], .awaitEvent(tickAfter: 0.001)),
        .tick, .pass(.claim(limit: 2)),
    ]),
    Scenario(name: "empty queues: the pause doubles up to the maximum poll interval, and a claim resets it", concurrency: 1, steps: [
        .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.002)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.004)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.008)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.016)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.032)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.064)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.1)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.1)),
        .tick, .pass(.claim(limit: 1)), .claimed([1], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.002)),
    ]),
    Scenario(name: "at most one tick is pending", concurrency: 1, steps: [
        .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.002)),
        .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: nil)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.008)),
    ]),
    Scenario(name: "a broker error waits a second before the next claim", concurrency: 2, steps: [
        .pass(.claim(limit: 2)), .claimFailed(.awaitEvent(tickAfter: 1)),
        .tick, .pass(.claim(limit: 2)), .claimed([1, 2], .awaitEvent(tickAfter: nil)),
    ]),
    Scenario(name: "a timed-out handler still running keeps its slot until it returns", concurrency: 2, steps: [
        .pass(.claim(limit: 2)), .claimed([1, 2], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .outlived, .taskEvent, .pass(.awaitEvent(tickAfter: 0.1)),
        .committed(1), .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .books(held: 1, busySlots: 2, processed: 1),
        .tick, .pass(.awaitEvent(tickAfter: 0.1)),
        .outlivingReturned, .tick, .pass(.claim(limit: 1)),
    ]),
    Scenario(name: "commits past the concurrency hold a slot", concurrency: 1, steps: [
        .pass(.claim(limit: 1)), .claimed([1], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.claim(limit: 1)), .claimed([2], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .books(held: 2, busySlots: 1, processed: 0),
        .committed(1), .taskEvent, .pass(.claim(limit: 1)),
    ]),
    Scenario(name: "draining claims nothing and stops once every held task is committed", concurrency: 2, steps: [
        .pass(.claim(limit: 2)), .claimed([1, 2], .awaitEvent(tickAfter: nil)),
        .drainRequested, .pass(.awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .committed(1), .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .handlerEnded, .taskEvent, .pass(.awaitEvent(tickAfter: nil)),
        .committed(2), .taskEvent, .pass(.stop(.drained)),
        .books(held: 0, busySlots: 0, processed: 2),
    ]),
    Scenario(name: "a handler outliving its task does not hold up a drain", concurrency: 1, steps: [
        .pass(.claim(limit: 1)), .claimed([1], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .outlived, .committed(1), .drainRequested, .pass(.stop(.drained)),
    ]),
    Scenario(name: "dropped tasks let go of their leases without a commit", concurrency: 2, steps: [
        .pass(.claim(limit: 2)), .claimed([1, 2], .awaitEvent(tickAfter: nil)),
        .dropped(1), .dropped(2), .books(held: 0, busySlots: 0, processed: 2),
        .drainRequested, .pass(.stop(.drained)),
    ]),
    Scenario(name: "burst: empty queues with nothing held stop the worker", concurrency: 2, burst: true, steps: [
        .pass(.claim(limit: 2)), .claimed([], .stop(.queuesEmpty)),
    ]),
    Scenario(name: "burst: a task ending during an empty claim may have queued more, so the worker claims again", concurrency: 2, burst: true, steps: [
        .pass(.claim(limit: 2)), .claimed([1], .awaitEvent(tickAfter: 0.001)),
        .handlerEnded, .taskEvent, .pass(.claim(limit: 2)),
        .committed(1), .claimed([], .awaitEvent(tickAfter: nil)),
        .taskEvent, .pass(.claim(limit: 2)), .claimed([], .stop(.queuesEmpty)),
    ]),
    Scenario(name: "burst: a broker error does not count as empty queues", concurrency: 2, burst: true, steps: [
        .pass(.claim(limit: 2)), .claimFailed(.awaitEvent(tickAfter: 1)),
    ]),
    Scenario(name: "waiting for a job: an empty claim with nothing held asks whether it ended", concurrency: 2, waitsForJob: true, steps: [
        .pass(.claim(limit: 2)), .claimed([], .checkWhetherJobEnded), .jobEnded(true, .stop(.jobEnded)),
    ]),
    Scenario(name: "waiting for a job still running: the worker polls on", concurrency: 2, waitsForJob: true, steps: [
        .pass(.claim(limit: 2)), .claimed([], .checkWhetherJobEnded), .jobEnded(false, .awaitEvent(tickAfter: 0.002)),
        .tick, .pass(.claim(limit: 2)), .claimFailed(.checkWhetherJobEnded), .jobEnded(false, .awaitEvent(tickAfter: 1)),
    ]),
    Scenario(name: "waiting for a job: no question while tasks are held", concurrency: 2, waitsForJob: true, steps: [
        .pass(.claim(limit: 2)), .claimed([1], .awaitEvent(tickAfter: 0.001)),
        .tick, .pass(.claim(limit: 1)), .claimed([], .awaitEvent(tickAfter: 0.002)),
    ]),
    Scenario(name: "waiting for a job with every slot held by a stuck handler: asks whether it ended", concurrency: 1, waitsForJob: true, steps: [
        .pass(.claim(limit: 1)), .claimed([1], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .outlived, .committed(1), .taskEvent,
        .pass(.checkWhetherJobEnded), .jobEnded(false, .awaitEvent(tickAfter: 0.1)),
        .tick, .pass(.checkWhetherJobEnded), .jobEnded(true, .stop(.jobEnded)),
    ]),
    Scenario(name: "not waiting for a job, slots held by stuck handlers are polled", concurrency: 1, steps: [
        .pass(.claim(limit: 1)), .claimed([1], .awaitEvent(tickAfter: nil)),
        .handlerEnded, .outlived, .committed(1), .taskEvent, .pass(.awaitEvent(tickAfter: 0.1)),
        .books(held: 0, busySlots: 1, processed: 1),
    ]),
]

@Suite struct WorkerStateTests {
    @Test(arguments: scenarios)
    fileprivate func decisionsFollowTheEvents(_ scenario: Scenario) {
        var state = WorkerState<Void>(
            concurrency: scenario.concurrency, maximumPollInterval: 0.1, stopsWhenQueuesEmpty: scenario.burst,
            waitsForJob: scenario.waitsForJob)
        for (index, step) in scenario.steps.enumerated() {
            let at = Comment(rawValue: "step \(index + 1): \(step)")
            switch step {
            case .pass(let expected):
                #expect(state.startPass() == expected, at)
            case .claimed(let ids, let expected):
                #expect(state.claimReturned(ids.map { (lease: lease($0), running: ()) }, brokerFailed: false) == expected, at)
            case .claimFailed(let expected):
                #expect(state.claimReturned([], brokerFailed: true) == expected, at)
            case .jobEnded(let ended, let expected):
                #expect(state.jobEnded(ended) == expected, at)
            case .handlerEnded: state.handlerEnded()
            case .outlived: state.handlerOutlivedItsTask()
            case .outlivingReturned: state.outlivingHandlerReturned()
            case .committed(let id): state.taskCommitted(lease(id))
            case .dropped(let id): state.taskDropped(lease(id))
            case .drainRequested: state.drainRequested()
            case .taskEvent: state.taskEventArrived()
            case .tick: state.tickFired()
            case .books(let held, let busySlots, let processed):
                #expect(state.inFlight.count == held, at)
                #expect(state.busySlots == busySlots, at)
                #expect(state.processed == processed, at)
            }
        }
    }

    /// The claim limit is exactly the free slots: running handlers, stuck handlers and commits past
    /// the concurrency take one each.
    @Test(arguments: [
        (concurrency: 3, held: 3, committing: 0, outliving: 0, expected: Action.awaitEvent(tickAfter: nil)),
        (concurrency: 3, held: 3, committing: 1, outliving: 0, expected: .claim(limit: 1)),
        (concurrency: 3, held: 3, committing: 3, outliving: 0, expected: .claim(limit: 3)),
        (concurrency: 3, held: 3, committing: 2, outliving: 1, expected: .claim(limit: 1)),
        (concurrency: 3, held: 3, committing: 2, outliving: 2, expected: .awaitEvent(tickAfter: 0.1)),
        (concurrency: 2, held: 2, committing: 2, outliving: 2, expected: .awaitEvent(tickAfter: 0.1)),
        (concurrency: 1, held: 1, committing: 1, outliving: 0, expected: .claim(limit: 1)),
    ])
    fileprivate func claimLimitIsTheFreeSlots(concurrency: Int, held: Int, committing: Int, outliving: Int, expected: Action) {
        var state = WorkerState<Void>(concurrency: concurrency, maximumPollInterval: 0.1)
        #expect(state.startPass() == .claim(limit: concurrency))
        _ = state.claimReturned((0..<Int64(held)).map { (lease: lease($0), running: ()) }, brokerFailed: false)
        for _ in 0..<committing { state.handlerEnded() }
        for _ in 0..<outliving { state.handlerOutlivedItsTask() }
        #expect(state.busySlots == held - min(committing, concurrency) + outliving)
        #expect(state.startPass() == expected)
    }
}
