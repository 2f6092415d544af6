/// Group commit: while one write is under way, what is submitted waits and goes in the next write,
/// all together. Tasks that end at about the same time then share one transaction instead of
/// paying for one each.
///
/// The first submitter writes alone and returns as soon as its own write is done; whatever piled up
/// meanwhile is written by a task of the committer's own, group after group, until none is left.
public actor GroupCommitter<Input: Sendable, Output: Sendable> {
    /// Writes a group and gives one result per input, in order.
    public typealias Write = @Sendable ([Input]) async -> [Result<Output, any Error>]

    private let write: Write
    private var waiting: [(input: Input, continuation: CheckedContinuation<Output, any Error>)] = []
    private var isWriting = false

    public init(write: @escaping Write) {
        self.write = write
    }

    /// Writes `input`, alone or with others submitted while a write was under way.
    public func submit(_ input: Input) async throws -> Output {
        if isWriting {
            return try await withCheckedThrowingContinuation { waiting.append((input, $0)) }
        }
        isWriting = true
        let result = Self.first(of: await write([input]))
        if waiting.isEmpty {
            isWriting = false
        } else {
            Task { await self.writeWaiting() }
        }
        return try result.get()
    }

    /// Writes what waits, a group at a time, until nothing does.
    private func writeWaiting() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting = []
            let results = await write(group.map(\.input))
            for (index, entry) in group.enumerated() {
                entry.continuation.resume(with: index < results.count ? results[index] : .failure(MissingResult()))
            }
        }
        isWriting = false
    }

    private static func first(of results: [Result<Output, any Error>]) -> Result<Output, any Error> {
        results.first ?? .failure(MissingResult())
    }

    /// A write that gave fewer results than it was given inputs: a programming error, reported
    /// to the submitter rather than leaving it waiting forever.
    struct MissingResult: Error, CustomStringConvertible {
        var description: String { "a group write returned no result for one of its inputs" }
    }
}
