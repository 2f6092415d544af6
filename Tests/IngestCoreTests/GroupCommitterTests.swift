import IngestCore
import Synchronization
import Testing

/// A write that records the groups it was given and, until released, holds the first one: what is
/// submitted meanwhile has to wait for the next write.
private final class RecordingWrite: Sendable {
    private let state = Mutex<(groups: [[Int]], firstHeld: Bool)>(([], true))

    var groups: [[Int]] { state.withLock { $0.groups } }

    func releaseFirst() { state.withLock { $0.firstHeld = false } }

    /// Doubles each input; an input of -1 fails alone.
    func callAsFunction(_ inputs: [Int]) async -> [Result<Int, any Error>] {
        let isFirst = state.withLock { state -> Bool in
            state.groups.append(inputs)
            return state.groups.count == 1
        }
        while isFirst && state.withLock({ $0.firstHeld }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return inputs.map { $0 == -1 ? .failure(Refused()) : .success($0 * 2) }
    }

    struct Refused: Error {}
}

@Suite struct GroupCommitterTests {
    @Test func whatArrivesDuringAWriteGoesTogetherInTheNextAndEachCallerGetsItsOwnResult() async throws {
        let write = RecordingWrite()
        let committer = GroupCommitter<Int, Int> { await write($0) }
        async let first = committer.submit(1)
        // The first write is under way (and held) once it has been recorded.
        while write.groups.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        async let second = committer.submit(2)
        async let third = committer.submit(3)
        async let fourth = committer.submit(-1)
        // Give the three time to queue behind the held write, then let it finish.
        try await Task.sleep(for: .milliseconds(50))
        write.releaseFirst()

        #expect(try await first == 2)
        #expect(try await second == 4)
        #expect(try await third == 6)
        var fourthError: (any Error)?
        do { _ = try await fourth } catch { fourthError = error }
        #expect(fourthError is RecordingWrite.Refused)
        #expect(write.groups.count == 2)
        #expect(write.groups.first == [1])
        #expect(Set(write.groups.last ?? []) == [2, 3, -1])
    }

    @Test func aLoneSubmissionIsWrittenAtOnceAndTheCommitterStaysUsable() async throws {
        let write = RecordingWrite()
        write.releaseFirst()
        let committer = GroupCommitter<Int, Int> { await write($0) }
        #expect(try await committer.submit(5) == 10)
        #expect(try await committer.submit(6) == 12)
        #expect(write.groups == [[5], [6]])
    }

    @Test func aWriteThatGivesTooFewResultsFailsTheCallerInsteadOfLeavingItWaiting() async throws {
        let committer = GroupCommitter<Int, Int> { _ in [] }
        await #expect(throws: (any Error).self) { try await committer.submit(1) }
    }
}
