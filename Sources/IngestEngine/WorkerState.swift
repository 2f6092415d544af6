import IngestCore

/// A worker's books (held leases, slots, commits, stuck handlers) and its loop's decisions (when to
/// claim, how many, how long to wait, when to stop), apart from the I/O, so that tests can walk
/// them through any order of events. No clock, no broker: `Worker` does what the actions say.
///
/// `Running` is what the worker keeps for each held task; the state only stores it.
struct WorkerState<Running> {
    /// What the worker's loop does next.
    enum Action: Equatable, Sendable {
        /// Claim up to `limit` tasks, then report with `claimReturned`.
        case claim(limit: Int)
        /// Ask the broker whether the job the worker waits for has ended, then report with `jobEnded`.
        case checkWhetherJobEnded
        /// Wait for the next event (after scheduling a tick in `tickAfter` seconds when set), then
        /// report it and call `startPass`.
        case awaitEvent(tickAfter: Double?)
        /// Nothing is held and no more will be claimed: the loop ends.
        case stop(StopReason)
    }

    enum StopReason: Equatable, Sendable {
        /// Draining was asked for (shutdown, or a restart on new queues) and every held task is committed.
        case drained
        /// `--burst`: the queues had nothing ready and nothing was running.
        case queuesEmpty
        /// The job the worker waits for (`stopWhenJobEnds`) has ended.
        case jobEnded
    }

    /// The shortest wait, after which the loop looks again while work is moving.
    static var minimumPause: Double { 0.001 }

    let concurrency: Int
    let maximumPollInterval: Double
    let stopsWhenQueuesEmpty: Bool
    let waitsForJob: Bool

    private(set) var draining = false
    /// Every held lease, from its claim until its completion is committed (or dropped on teardown).
    private(set) var inFlight: [TaskLease: Running] = [:]
    /// Tasks whose handler has returned and whose completion is being committed: they keep their
    /// lease (renewed like any other) but not their slot, so the next claim is not held up behind
    /// the commit.
    private(set) var committing = 0
    /// Handlers still running after their task ended (timed out, abandoned): each keeps a slot until
    /// it returns, so stuck handlers cannot pile up beyond the concurrency.
    private(set) var outliving = 0
    /// Tasks ended so far (committed or dropped).
    private(set) var processed = 0

    /// How long the next tick waits: short while work is moving, longer while the queues are empty.
    private(set) var pause = Self.minimumPause
    /// At most one tick is scheduled at a time.
    private(set) var tickPending = false
    private var pass = Pass()

    /// The books as the current pass of the loop began. Its decisions after the claim use them: a
    /// task that ended while the claim was on the wire may have queued tasks that claim did not see,
    /// so it does not count as "nothing running" until the next claim.
    private struct Pass {
        var draining = false
        var held = 0
        var outliving = 0
        var claimLimit = 0
        var wantsTick = false
        var jobCheck = JobCheck.afterEmptyClaim(brokerFailed: false)
    }

    /// Why the loop asked whether the job ended, so that a "no" resumes the pass where it left off.
    private enum JobCheck {
        case afterEmptyClaim(brokerFailed: Bool)
        case allSlotsStuck
    }

    init(concurrency: Int, maximumPollInterval: Double, stopsWhenQueuesEmpty: Bool = false, waitsForJob: Bool = false) {
        self.concurrency = concurrency
        self.maximumPollInterval = maximumPollInterval
        self.stopsWhenQueuesEmpty = stopsWhenQueuesEmpty
        self.waitsForJob = waitsForJob
    }

    /// Slots taken: by a task whose handler is still running, by a stuck handler, and by commits past
    /// `concurrency`, so a broker that takes claims but not completions cannot pile up leases.
    var busySlots: Int { inFlight.count - min(committing, concurrency) + outliving }

    // MARK: The books

    mutating func drainRequested() {
        draining = true
    }

    /// The handler returned and its completion goes to the broker: the slot frees now, not when the
    /// loop reads the event, so handlers that end together free their slots for one batched claim.
    mutating func handlerEnded() {
        committing += 1
    }

    /// The worker stopped waiting for a handler that is still running.
    mutating func handlerOutlivedItsTask() {
        outliving += 1
    }

    mutating func outlivingHandlerReturned() {
        outliving -= 1
    }

    mutating func taskCommitted(_ lease: TaskLease) {
        inFlight[lease] = nil
        committing -= 1
        processed += 1
    }

    /// The worker is being torn down: the lease is let go and the task re-delivered when it expires.
    mutating func taskDropped(_ lease: TaskLease) {
        inFlight[lease] = nil
        processed += 1
    }

    // MARK: The loop

    mutating func startPass() -> Action {
        pass = Pass(draining: draining, held: inFlight.count, outliving: outliving)
        if draining && inFlight.isEmpty { return .stop(.drained) }
        if !draining && busySlots < concurrency {
            // Only as many as there are free slots: a task held but not started would wait here
            // while another worker sits idle.
            pass.claimLimit = concurrency - busySlots
            return .claim(limit: pass.claimLimit)
        }
        return finishPass()
    }

    /// The claim came back; `claimed` is held from now on. `brokerFailed`: the claim threw (the
    /// broker is unreachable or busy) and is tried again later.
    mutating func claimReturned(_ claimed: [(lease: TaskLease, running: Running)], brokerFailed: Bool) -> Action {
        for task in claimed { inFlight[task.lease] = task.running }
        if claimed.count == pass.claimLimit {
            pause = Self.minimumPause
            return finishPass()
        }
        if claimed.isEmpty && pass.held == 0 {
            // Nothing is held (the pass began with none and claimed none), so draining stops at once.
            if !brokerFailed && stopsWhenQueuesEmpty {
                draining = true
                return .stop(.queuesEmpty)
            }
            if waitsForJob {
                pass.jobCheck = .afterEmptyClaim(brokerFailed: brokerFailed)
                return .checkWhetherJobEnded
            }
        }
        return pollAfterShortClaim(claimedNothing: claimed.isEmpty, brokerFailed: brokerFailed)
    }

    mutating func jobEnded(_ ended: Bool) -> Action {
        if ended {
            draining = true
            return .stop(.jobEnded)
        }
        switch pass.jobCheck {
        case .afterEmptyClaim(let brokerFailed):
            return pollAfterShortClaim(claimedNothing: true, brokerFailed: brokerFailed)
        case .allSlotsStuck:
            return awaitEvent()
        }
    }

    /// A handler ended or a commit finished: work is moving, so the next look comes soon.
    mutating func taskEventArrived() {
        pause = Self.minimumPause
    }

    mutating func tickFired() {
        tickPending = false
    }

    /// Fewer tasks than free slots: look again after a pause that doubles while the queues stay
    /// empty, and waits longer after a broker error.
    private mutating func pollAfterShortClaim(claimedNothing: Bool, brokerFailed: Bool) -> Action {
        pass.wantsTick = true
        if brokerFailed {
            pause = max(1, maximumPollInterval)
        } else {
            pause = claimedNothing ? min(pause * 2, maximumPollInterval) : Self.minimumPause
        }
        return finishPass()
    }

    private mutating func finishPass() -> Action {
        if pass.outliving > 0 && !pass.wantsTick {
            // A slot a stuck handler frees is noticed by polling (it ends no task of this loop), at
            // the idle poll rate rather than the busy one.
            pass.wantsTick = true
            pause = max(pause, maximumPollInterval)
        }
        if !pass.draining && pass.held == 0 && pass.outliving >= concurrency && waitsForJob {
            // Every slot is held by a stuck handler: the job may have ended without this worker.
            pass.jobCheck = .allSlotsStuck
            return .checkWhetherJobEnded
        }
        return awaitEvent()
    }

    private mutating func awaitEvent() -> Action {
        guard pass.wantsTick && !tickPending else { return .awaitEvent(tickAfter: nil) }
        tickPending = true
        return .awaitEvent(tickAfter: pause)
    }
}
