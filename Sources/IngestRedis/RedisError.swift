/// Why a Redis command or connection failed.
public enum RedisError: Error, Sendable, CustomStringConvertible {
    /// The server answered the command with an error reply (`-ERR ...`, `-WRONGTYPE ...`).
    /// The connection stays usable.
    case server(String)
    /// The command was not sent because the connection was already closed; `reason` says
    /// why it closed. Nothing reached the server, so retrying on a new connection is safe.
    case notConnected(reason: String)
    /// The connection closed while the command was in flight. The server may or may not
    /// have executed it.
    case connectionLost(reason: String)
    /// No reply arrived within the command timeout; the connection was closed because the
    /// reply stream can no longer be matched to commands.
    case timeout(command: String, seconds: Double)
    /// The waiting task was cancelled; the connection was closed for the same reason as
    /// for a timeout.
    case cancelled(command: String)
    /// The server sent bytes that are not valid RESP; the connection was closed.
    case protocolViolation(RESPError)
    /// TCP connection to the server failed.
    case connectFailed(url: String, underlying: String)
    /// The server rejected the credentials, or requires some and none were given.
    case authenticationFailed(url: String, message: String)
    /// A TLS setting cannot be used: a certificate, key or CA file is missing or unreadable.
    case tlsConfiguration(url: String, reason: String)
    /// The server's certificate did not verify for `host`: signed by a CA that is not
    /// trusted, expired, or naming another host.
    case tlsServerCertificateRejected(url: String, host: String, reason: String)
    /// The server refused the client during the TLS handshake, typically because it wants a
    /// client certificate (`tls-auth-clients yes`) and got none, or one it does not trust.
    case tlsClientCertificateRejected(url: String, reason: String)
    /// The TLS handshake failed for another reason, such as a server port that does not
    /// speak TLS.
    case tlsHandshakeFailed(url: String, reason: String)
    /// The server answered with a reply of the wrong shape for the command.
    case unexpectedReply(command: String, reply: String)

    /// The error code of a server error reply: its first word (`NOSCRIPT`, `WRONGTYPE`, ...).
    public var serverErrorCode: Substring? {
        guard case .server(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    public var description: String {
        switch self {
        case .server(let message):
            return "Redis error: \(message)"
        case .notConnected(let reason):
            return "Redis connection is closed (\(reason)); the command was not sent. Open a new connection, "
                + "or use RedisClient, which reconnects"
        case .connectionLost(let reason):
            return "Redis connection closed while a command was waiting for its reply (\(reason)); "
                + "the command may or may not have run"
        case .timeout(let command, let seconds):
            return "Redis command \(command) got no reply within \(seconds) s; the connection was closed. "
                + "Raise the command timeout, or run blocking commands on their own connection with a longer one"
        case .cancelled(let command):
            return "Redis command \(command) was cancelled while waiting for its reply; the connection was closed"
        case .protocolViolation(let error):
            return "Redis connection closed: \(error)"
        case .connectFailed(let url, let underlying):
            return "cannot connect to Redis at \(url): \(underlying); check that redis-server is running "
                + "and the host and port are right"
        case .authenticationFailed(let url, let message):
            return "Redis at \(url) refused authentication (\(message)); put the right password in the URL: "
                + "redis://:password@host:port/db, or redis://user:password@host:port/db for an ACL user "
                + "(or in REDIS_PASSWORD when the server is given by REDIS_HOST)"
        case .tlsConfiguration(let url, let reason):
            return "cannot set up TLS for Redis at \(url): \(reason)"
        case .tlsServerCertificateRejected(let url, let host, let reason):
            return "Redis at \(url) presented a TLS certificate that does not verify for host '\(host)' (\(reason)); "
                + "if the server's certificate comes from a private CA, give that CA's certificate with "
                + "?ssl_ca_certs=/path/ca.pem in the URL (or --redis_ssl_ca_certs, env REDIS_SSL_CA_CERTS); if it names "
                + "another host, connect by a name it carries; ssl_cert_reqs=none skips the check but is insecure"
        case .tlsClientCertificateRejected(let url, let reason):
            return "Redis at \(url) refused the TLS connection (\(reason)); if it requires client certificates "
                + "(tls-auth-clients yes), give a certificate signed by a CA it trusts with "
                + "?ssl_certfile=/path/client.pem&ssl_keyfile=/path/client.key in the URL "
                + "(or --redis_ssl_certfile/--redis_ssl_keyfile, env REDIS_SSL_CERTFILE/REDIS_SSL_KEYFILE)"
        case .tlsHandshakeFailed(let url, let reason):
            return "TLS handshake with Redis at \(url) failed (\(reason)); check that the port is redis-server's "
                + "tls-port, or use redis:// if the server does not speak TLS"
        case .unexpectedReply(let command, let reply):
            return "Redis answered \(command) with an unexpected reply: \(reply)"
        }
    }
}
