/// Group commit: while one write is under way, what is submitted waits and goes in the next write,
/// all together. Tasks that end at about the same time then share one transaction instead of
/// paying for one each.
///
/// The first submitter writes alone and returns as soon as its own write is done; whatever piled up
/// meanwhile becomes the next group, written by the first submitter in it (no task of its own).
public actor GroupCommitter<Input: Sendable, Output: Sendable> {
    /// Writes a group and gives one result per input, in order.
    public typealias Write = @Sendable ([Input]) async -> [Result<Output, any Error>]

    /// A submission waiting for the write under way to end.
    private struct Waiter: Sendable {
        let input: Input
        let continuation: CheckedContinuation<Turn, Never>
    }

    /// What a waiting submitter is told when the write under way ends.
    private enum Turn: Sendable {
        /// Its input was written by another submitter, with this result.
        case done(Result<Output, any Error>)
        /// It writes the next group: its own input and these.
        case lead([Waiter])
    }

    private let write: Write
    private var waiting: [Waiter] = []
    private var isWriting = false

    public init(write: @escaping Write) {
        self.write = write
    }

    /// Writes `input`, alone or with others submitted while a write was under way.
    public func submit(_ input: Input) async throws -> Output {
        var others: [Waiter] = []
        if isWriting {
            switch await withCheckedContinuation({ waiting.append(Waiter(input: input, continuation: $0)) }) {
            case .done(let result): return try result.get()
            case .lead(let group): others = group
            }
        } else {
            isWriting = true
        }
        let results = await write([input] + others.map(\.input))
        for (index, waiter) in others.enumerated() {
            waiter.continuation.resume(returning: .done(Self.result(results, at: index + 1)))
        }
        // What piled up during this write is the next group; its first submitter writes it.
        if let next = waiting.first {
            let group = Array(waiting.dropFirst())
            waiting = []
            next.continuation.resume(returning: .lead(group))
        } else {
            isWriting = false
        }
        return try Self.result(results, at: 0).get()
    }

    private static func result(_ results: [Result<Output, any Error>], at index: Int) -> Result<Output, any Error> {
        index < results.count ? results[index] : .failure(MissingResult())
    }

    /// A write that gave fewer results than it was given inputs: a programming error, reported
    /// to the submitter rather than leaving it waiting forever.
    struct MissingResult: Error, CustomStringConvertible {
        var description: String { "a group write returned no result for one of its inputs" }
    }
}
