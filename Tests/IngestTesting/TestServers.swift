import Foundation
import IngestRedis

/// The servers `scripts/test` starts, found through environment variables.
///
/// A test that needs one throws when its variable is missing, so a run without the server
/// fails loudly instead of silently skipping what it would have checked.
public enum TestServers {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String

        public var description: String {
            "\(variable) is not set: this test needs a server that scripts/test starts. Run scripts/test, or start "
                + "the server yourself and export \(variable)"
        }
    }

    public static func environment(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }

    /// A loopback TCP port nothing listens on right now, for a server a test starts itself.
    public static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard bound else { throw Missing(variable: "a free loopback port (bind 127.0.0.1:0 failed, errno \(errno))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The Redis server (`INGEST_TEST_REDIS_URL`).
    public static func redisURL() throws -> RedisURL {
        try RedisURL(parsing: environment("INGEST_TEST_REDIS_URL"))
    }
}
