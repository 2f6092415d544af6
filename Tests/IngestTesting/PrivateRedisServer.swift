import Foundation
import IngestRedis

/// A redis-server of a test's own, for tests that restart the server or change its
/// configuration: the shared server of `scripts/test` must not go down under parallel tests.
/// Persistence is append-only with `appendfsync everysec`, as a production broker runs.
public final class PrivateRedisServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private let extraArguments: [String]
    private var process: Process?

    public init(extraArguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "ingest-redis")
        port = try TestServers.freeLoopbackPort()
        self.extraArguments = extraArguments
        try start()
    }

    deinit {
        stop(kill: true)
    }

    public var url: RedisURL {
        get throws { try RedisURL(parsing: "redis://127.0.0.1:\(port)/0") }
    }

    /// Starts the server and waits until it answers.
    public func start() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try Self.executable())
        server.arguments = [
            "--bind", "127.0.0.1", "--port", "\(port)", "--dir", directory.path, "--appendonly", "yes",
            "--appendfsync", "everysec", "--save", "", "--daemonize", "no", "--maxmemory-policy", "noeviction",
        ] + extraArguments
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        process = server
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            usleep(25_000)
        }
        throw TestServers.Missing(variable: "a redis-server that answers on port \(port)")
    }

    /// Stops the server. `kill` is SIGKILL, what a crash does; otherwise `SHUTDOWN`, a clean stop
    /// that writes the append-only file. (Not SIGTERM: a child started from a test thread may
    /// inherit a signal mask that blocks it.)
    public func stop(kill: Bool = false) {
        guard let process else { return }
        if kill {
            Foundation.kill(process.processIdentifier, SIGKILL)
        } else {
            let client = Process()
            client.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
            client.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "shutdown"]
            client.standardOutput = FileHandle.nullDevice
            client.standardError = FileHandle.nullDevice
            if (try? client.run()) != nil { client.waitUntilExit() }
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        self.process = nil
    }

    private static func executable() throws -> String {
        for candidate in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestServers.Missing(variable: "redis-server (apt-get install redis-server; scripts/test installs it)")
    }

    static func accepts(port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
