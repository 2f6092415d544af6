import Crypto
import Foundation

/// A Lua script run with `EVALSHA`, identified by the SHA-1 of its source as Redis does.
///
/// Holding the digest lets a client call `EVALSHA` first and send the source only when the
/// server answers `NOSCRIPT` (first use, or after a restart or `SCRIPT FLUSH` emptied the
/// server's script cache).
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The lower-case hex SHA-1 of ``source``, as `SCRIPT LOAD` returns it.
    public let sha1: String

    /// - Parameter source: The Lua source; its digest is computed once, here.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
