extension Array {
    /// Consecutive slices of at most `size` elements: batches for tasks and bounded SQL statements.
    public func chunked(into size: Int) -> [ArraySlice<Element>] {
        let size = Swift.max(size, 1)
        return stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
