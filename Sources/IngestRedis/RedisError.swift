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
    /// `rediss://` was requested; this build has no TLS support.
    case tlsUnsupported(url: String)
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
                + "redis://:password@host:port/db, or redis://user:password@host:port/db for an ACL user"
        case .tlsUnsupported(let url):
            return "Redis URL \(url) asks for TLS (rediss://), but Ingest is built without TLS support for Redis; "
                + "use redis:// over a trusted network or a TLS tunnel (stunnel, spiped)"
        case .unexpectedReply(let command, let reply):
            return "Redis answered \(command) with an unexpected reply: \(reply)"
        }
    }
}
