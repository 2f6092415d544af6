import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a child's output to its end on a thread of its own, line by line.
enum LineReader {
    /// Starts the thread. Each complete line (without its newline) goes to `line`; at the end of the
    /// output the descriptor is closed and `end` is called. A last line without a newline is kept.
    static func start(
        name: String, descriptor: Int32, line: @escaping @Sendable (Data) -> Void, end: @escaping @Sendable () -> Void
    ) {
        let thread = Thread {
            readLines(descriptor, line: line)
            close(descriptor)
            end()
        }
        thread.name = name
        thread.start()
    }

    private static func readLines(_ descriptor: Int32, line: (Data) -> Void) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR {
                continue
            }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                var start = 0
                while start < count, let found = memchr(base + start, 10, count - start) {
                    let end = base.distance(to: UnsafeRawPointer(found))
                    if pending.isEmpty {
                        line(Data(bytes: base + start, count: end - start))
                    } else {
                        pending.append(base.advanced(by: start).assumingMemoryBound(to: UInt8.self), count: end - start)
                        line(pending)
                        pending = Data()
                    }
                    start = end + 1
                }
                if start < count {
                    pending.append(base.advanced(by: start).assumingMemoryBound(to: UInt8.self), count: count - start)
                }
            }
        }
        if !pending.isEmpty {
            line(pending)
        }
    }
}
