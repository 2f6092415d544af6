import Logging
import NIOSSL
import PostgresNIO

/// How a URL's `sslmode` and credentials become postgres-nio settings, shared by every component
/// that talks to PostgreSQL (the catalog, the graph store).
extension PostgresURL {
    /// The pool's TLS setting: `prefer` and `require` encrypt without checking the certificate,
    /// as libpq does; `verify-full` checks the certificate and host name.
    public var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(Self.tlsConfiguration(verified: false))
        case .require: .require(Self.tlsConfiguration(verified: false))
        case .verifyFull: .require(Self.tlsConfiguration(verified: true))
        }
    }

    /// A pool configuration for this URL (server, credentials, database, TLS).
    public var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: clientTLS)
    }

    /// Opens and closes one connection outside any pool. Its error says why a pool cannot connect
    /// (refused, wrong password, no such database), where the pool only keeps retrying.
    /// - Parameter connectTimeout: how long the connection may take to start (a loaded machine or a
    ///   busy server can take seconds).
    /// - Throws: postgres-nio's error, for the caller to translate.
    public func probeConnection(logger: Logger, connectTimeout: Duration = .seconds(5)) async throws {
        let connectionTLS: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: connectionTLS = .disable
        case .prefer: connectionTLS = .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration(verified: false)))
        case .require: connectionTLS = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verified: false)))
        case .verifyFull: connectionTLS = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verified: true)))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: connectionTLS)
        configuration.options.connectTimeout = TimeAmount.nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try await connection.close()
    }

    private static func tlsConfiguration(verified: Bool) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verified { configuration.certificateVerification = .none }
        return configuration
    }
}
