import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A loopback TCP server that answers each read with the next canned reply, for the
/// behaviours a real redis-server cannot be made to show: rejecting `HELLO` like Redis 5,
/// or sending bytes that are not RESP.
///
/// Built on plain sockets and one thread because the test target does not depend on
/// NIOPosix; it serves a single client.
final class FakeRedisServer: Sendable {
    let port: Int
    private let listener: Int32
    private let received = Mutex<[UInt8]>([])

    /// Starts listening on an ephemeral loopback port.
    /// - Parameter replies: Sent one per read from the client, in order.
    init(replies: [String]) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socketFD, raw, length) == 0 && listen(socketFD, 1) == 0
                    && getsockname(socketFD, raw, &length) == 0
            }
        }
        guard socketFD >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        listener = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve(replies) }
        thread.start()
    }

    /// Every byte the client sent so far, as text.
    var receivedText: String {
        received.withLock { String(decoding: $0, as: UTF8.self) }
    }

    private func serve(_ replies: [String]) {
        let client = accept(listener, nil, nil)
        close(listener)
        guard client >= 0 else { return }
        defer { close(client) }
        var pending = replies[...]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return }
            received.withLock { $0 += buffer[..<count] }
            if let reply = pending.popFirst() {
                _ = Array(reply.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            }
        }
    }
}
