import Foundation
import IngestRedis

/// A redis-server of a test's own, for tests that restart the server or change its
/// configuration: the shared server of `scripts/test` must not go down under parallel tests.
/// Persistence is append-only with `appendfsync everysec`, as a production broker runs.
///
/// With `tls`, the server speaks only TLS (`--port 0 --tls-port P`) with the given
/// certificates, and ``url`` is a `rediss://` URL that trusts their CA.
public final class PrivateRedisServer: @unchecked Sendable {
    /// How a TLS server checks clients.
    public struct TLS: Sendable {
        public var certificates: TestCertificates
        /// `tls-auth-clients yes`: a client must present a certificate signed by the CA.
        public var requiresClientCertificates: Bool

        public init(certificates: TestCertificates, requiresClientCertificates: Bool = false) {
            self.certificates = certificates
            self.requiresClientCertificates = requiresClientCertificates
        }
    }

    public let port: Int
    public let directory: TemporaryDirectory
    public let tls: TLS?
    private let extraArguments: [String]
    private var process: Process?

    public init(extraArguments: [String] = [], tls: TLS? = nil) throws {
        directory = try TemporaryDirectory(prefix: "ingest-redis")
        port = try TestServers.freeLoopbackPort()
        self.extraArguments = extraArguments
        self.tls = tls
        try start()
    }

    deinit {
        stop(kill: true)
    }

    /// The server's URL: `redis://`, or for TLS `rediss://` with the CA to trust and, when
    /// the server requires one, the client certificate.
    public var url: RedisURL {
        get throws {
            guard let tls else { return try RedisURL(parsing: "redis://127.0.0.1:\(port)/0") }
            var url = try RedisURL(parsing: "rediss://127.0.0.1:\(port)/0")
            url.tls.caCertificatesFile = tls.certificates.caCertificate
            if tls.requiresClientCertificates {
                url.tls.certificateFile = tls.certificates.clientCertificate
                url.tls.keyFile = tls.certificates.clientKey
            }
            return url
        }
    }

    /// The arguments that choose the listening port and, for TLS, the certificates.
    private var listenArguments: [String] {
        guard let tls else { return ["--port", "\(port)"] }
        let files = tls.certificates
        return [
            "--port", "0", "--tls-port", "\(port)", "--tls-cert-file", files.serverCertificate, "--tls-key-file",
            files.serverKey, "--tls-ca-cert-file", files.caCertificate, "--tls-auth-clients",
            tls.requiresClientCertificates ? "yes" : "no",
        ]
    }

    /// How `redis-cli` reaches the server.
    private var cliArguments: [String] {
        var arguments = ["-h", "127.0.0.1", "-p", "\(port)"]
        if let tls {
            arguments += [
                "--tls", "--cacert", tls.certificates.caCertificate, "--cert", tls.certificates.clientCertificate, "--key",
                tls.certificates.clientKey,
            ]
        }
        return arguments
    }

    /// Starts the server and waits until it answers.
    public func start() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try Self.executable())
        server.arguments = [
            "--bind", "127.0.0.1", "--dir", directory.path, "--appendonly", "yes",
            "--appendfsync", "everysec", "--save", "", "--daemonize", "no", "--maxmemory-policy", "noeviction",
        ] + listenArguments + extraArguments
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try ChildProcesses.launch(server)
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
            client.arguments = cliArguments + ["shutdown"]
            client.standardOutput = FileHandle.nullDevice
            client.standardError = FileHandle.nullDevice
            if (try? ChildProcesses.launch(client)) != nil { client.waitUntilExit() }
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
