import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One TCP connection to a Redis server, ready for commands: TLS established for
/// `rediss://`, protocol negotiated, logged in and the database selected.
///
/// Commands from any number of tasks may be in flight at once; Redis answers in order, so
/// they are pipelined on the single socket. A connection never reconnects: once closed
/// (by ``close()``, the server, a timeout, a cancelled waiter or a protocol error) every
/// later command fails at once with ``RedisError/notConnected(reason:)``. ``RedisClient``
/// adds reconnection on top.
///
/// Blocking commands (`BLPOP`, `BRPOP`, `XREAD BLOCK`) hold up every command queued behind
/// them, so give them a connection of their own with a command timeout longer than the
/// blocking time.
public final class RedisConnection: Sendable {
    /// The RESP version a connection ends up speaking.
    public enum ProtocolVersion: Int, Sendable {
        case resp2 = 2
        case resp3 = 3
    }

    /// How to connect and how long to wait.
    public struct Configuration: Sendable {
        /// How long a command may wait for its reply before the connection is closed.
        public var commandTimeout: Duration
        /// How long the TCP connect and the handshake may take.
        public var connectTimeout: Duration
        /// `.resp3` tries `HELLO 3` and falls back to RESP2 when the server answers it with
        /// an error (servers before Redis 6). `.resp2` never sends `HELLO`, for servers or
        /// proxies that mishandle it.
        public var protocolVersion: ProtocolVersion

        /// - Parameters:
        ///   - commandTimeout: Default 30 s.
        ///   - connectTimeout: Default 10 s.
        ///   - protocolVersion: Default `.resp3`, with fallback to RESP2.
        public init(
            commandTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10),
            protocolVersion: ProtocolVersion = .resp3
        ) {
            self.commandTimeout = commandTimeout
            self.connectTimeout = connectTimeout
            self.protocolVersion = protocolVersion
        }
    }

    /// The server this connection talks to.
    public let url: RedisURL
    public let configuration: Configuration
    /// The protocol negotiated during the handshake.
    public let protocolVersion: ProtocolVersion
    private let channel: any Channel
    private let closeReason: RedisCloseReason

    private init(
        url: RedisURL, configuration: Configuration, protocolVersion: ProtocolVersion, channel: any Channel,
        closeReason: RedisCloseReason
    ) {
        self.url = url
        self.configuration = configuration
        self.protocolVersion = protocolVersion
        self.channel = channel
        self.closeReason = closeReason
    }

    /// Opens a connection and runs the handshake: for `rediss://` TLS, verified as the URL's
    /// ``RedisURL/tls`` says; `HELLO 3` (with `AUTH` when the URL has a password), or on an
    /// error reply the RESP2 `AUTH`; then `SELECT` for a database other than 0.
    /// - Parameters:
    ///   - url: The server and credentials.
    ///   - configuration: Timeouts and protocol choice.
    ///   - eventLoopGroup: Where the channel runs; the process-wide singleton by default.
    ///   - logger: Receives connection events at debug level; silent by default.
    /// - Returns: A connection ready for commands.
    /// - Throws: ``RedisError/connectFailed(url:underlying:)``,
    ///   ``RedisError/authenticationFailed(url:message:)``, one of the `tls...` cases of
    ///   ``RedisError`` for `rediss://`, or the error of a failed handshake command.
    public static func connect(
        to url: RedisURL, configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ingest.redis", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RedisConnection {
        var logger = logger
        logger[metadataKey: "redis.url"] = "\(url.redacted)"
        let closeReason = RedisCloseReason()
        let handlerLogger = logger
        let tlsContext = url.usesTLS ? try RedisTLS.makeContext(for: url) : nil
        let tlsState = RedisTLSState()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let tlsContext {
                            try pipeline.addHandler(
                                NIOSSLClientHandler(context: tlsContext, serverHostname: RedisTLS.serverName(for: url.host)))
                            try pipeline.addHandler(RedisTLSObserver(state: tlsState))
                        }
                        try pipeline.addHandler(RedisChannelHandler(closeReason: closeReason, logger: handlerLogger))
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw RedisError.connectFailed(url: url.redacted, underlying: Self.sentence(forConnectError: error))
        }
        do {
            // The first command waits for the TLS handshake, so its failure shows up here.
            let version = try await handshake(
                channel: channel, url: url, configuration: configuration, closeReason: closeReason)
            logger.debug("connected to Redis", metadata: ["redis.protocol": "\(version.rawValue)"])
            return RedisConnection(
                url: url, configuration: configuration, protocolVersion: version, channel: channel,
                closeReason: closeReason)
        } catch {
            try? await channel.close()
            guard url.usesTLS else { throw plainError(replacing: error, url: url) }
            throw tlsError(replacing: error, state: tlsState, url: url, configuration: configuration)
        }
    }

    /// A plain connection that the server drops before answering the first command is most
    /// often one to a TLS-only port, whose server hangs up on bytes that are not TLS. It
    /// stays a retryable ``RedisError/connectFailed(url:underlying:)``: a server going down
    /// mid-handshake looks the same.
    private static func plainError(replacing error: any Error, url: RedisURL) -> any Error {
        guard let redisError = error as? RedisError, case .connectionLost(let reason) = redisError else { return error }
        return RedisError.connectFailed(
            url: url.redacted,
            underlying: "the server closed the connection before answering (\(reason)); if port \(url.port) is "
                + "redis-server's tls-port, connect with rediss://")
    }

    /// Names the TLS cause of a failed handshake when there is one. A handshake that got no
    /// answer stays a retryable ``RedisError/connectFailed(url:underlying:)``, since a
    /// server in the middle of a restart looks the same as a port that is not TLS.
    private static func tlsError(
        replacing error: any Error, state: RedisTLSState, url: RedisURL, configuration: Configuration
    ) -> any Error {
        if let failure = state.failure {
            return failure.redisError(for: url)
        }
        if !state.handshakeCompleted, let redisError = error as? RedisError, case .timeout = redisError {
            let seconds = RedisChannelHandler.seconds(configuration.connectTimeout)
            return RedisError.connectFailed(
                url: url.redacted,
                underlying: "no answer to the TLS handshake within \(seconds) s (is port \(url.port) redis-server's "
                    + "tls-port? a plain port waits silently; use redis:// for it)")
        }
        return error
    }

    /// NIO's connect errors as a reader wants them: `Connection refused` rather than
    /// `Connection errors: SingleConnectionFailure(target: [IPv4]..., error: connection reset ...)`.
    static func sentence(forConnectError error: any Error) -> String {
        var reasons: [String] = []
        if let failure = error as? NIOConnectionError {
            for attempt in failure.connectionErrors {
                reasons.append(reason(attempt.error))
            }
            // Only when no address was tried: one family failing to resolve is normal.
            if reasons.isEmpty, let dnsError = failure.dnsAError ?? failure.dnsAAAAError {
                reasons.append("host '\(failure.host)' did not resolve (\(dnsError))")
            }
            if reasons.isEmpty { reasons.append("no address of host '\(failure.host)' could be reached") }
        } else {
            reasons.append(reason(error))
        }
        var unique: [String] = []
        for reason in reasons where !unique.contains(reason) { unique.append(reason) }
        return unique.joined(separator: "; ")
    }

    private static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if case .connectTimeout(let amount)? = error as? ChannelError {
            return "no answer within \(Double(amount.nanoseconds) / 1e9) s"
        }
        return "\(error)"
    }

    private static func handshake(
        channel: any Channel, url: RedisURL, configuration: Configuration, closeReason: RedisCloseReason
    ) async throws -> ProtocolVersion {
        let timeout = configuration.connectTimeout
        var version = ProtocolVersion.resp2
        var needsAuth = url.password != nil
        if configuration.protocolVersion == .resp3 {
            let hello = RedisHandshake.hello(for: url)
            let reply = try await perform([hello], channel: channel, closeReason: closeReason, timeout: timeout)[0]
            if let message = reply.errorMessage {
                if RedisHandshake.isAuthenticationError(message) {
                    throw RedisError.authenticationFailed(url: url.redacted, message: message)
                }
            } else {
                version = .resp3
                needsAuth = false
            }
        }
        if needsAuth, let auth = RedisHandshake.auth(for: url) {
            let reply = try await perform([auth], channel: channel, closeReason: closeReason, timeout: timeout)[0]
            if let message = reply.errorMessage {
                throw RedisError.authenticationFailed(url: url.redacted, message: message)
            }
        }
        if let select = RedisHandshake.select(for: url) {
            let reply = try await perform([select], channel: channel, closeReason: closeReason, timeout: timeout)[0]
            if let message = reply.errorMessage {
                if RedisHandshake.isAuthenticationError(message) {
                    throw RedisError.authenticationFailed(url: url.redacted, message: message)
                }
                throw RedisError.server("\(message) (selecting database \(url.database) of \(url.redacted))")
            }
        }
        return version
    }

    /// Whether the connection has closed or is closing; every command sent now fails at
    /// once. True as soon as the reason is known, before the socket has finished closing,
    /// so a caller that saw a command fail never sees the connection as still open.
    public var isClosed: Bool { closeReason.value != nil || !channel.isActive }

    /// Why the connection closed, once it has.
    public var closedReason: String? { closeReason.value }

    /// Sends one command and waits for its reply.
    /// - Parameters:
    ///   - command: The command name and its arguments, e.g. `["SET", key, value]`.
    ///   - timeout: Overrides the configured command timeout for this command.
    /// - Returns: The reply; never an error reply.
    /// - Throws: ``RedisError/server(_:)`` for an error reply (the connection stays usable);
    ///   other ``RedisError``s when the connection is or becomes closed.
    @discardableResult
    public func send(_ command: [any RESPArgument], timeout: Duration? = nil) async throws -> RESPValue {
        let reply = try await Self.perform(
            [command], channel: channel, closeReason: closeReason, timeout: timeout ?? configuration.commandTimeout)[0]
        if let message = reply.errorMessage {
            throw RedisError.server(message)
        }
        return reply
    }

    /// Sends several commands in one write and waits for all their replies.
    ///
    /// Error replies are returned in place (`.simpleError`/`.blobError`) rather than thrown:
    /// the other commands of the pipeline ran, and the caller needs to see their replies.
    /// - Parameters:
    ///   - commands: The commands, each a name followed by its arguments.
    ///   - timeout: How long the whole pipeline may take; the configured command timeout
    ///     by default.
    /// - Returns: One reply per command, in order.
    /// - Throws: ``RedisError`` when the connection is or becomes closed.
    public func pipeline(_ commands: [[any RESPArgument]], timeout: Duration? = nil) async throws -> [RESPValue] {
        try await Self.perform(
            commands, channel: channel, closeReason: closeReason, timeout: timeout ?? configuration.commandTimeout)
    }

    /// Closes the connection; commands still waiting fail with
    /// ``RedisError/connectionLost(reason:)``.
    public func close() async {
        closeReason.record("closed by the client")
        try? await channel.close()
    }

    private static func perform(
        _ commands: [[any RESPArgument]], channel: any Channel, closeReason: RedisCloseReason, timeout: Duration
    ) async throws -> [RESPValue] {
        let name = commandName(commands)
        guard !Task.isCancelled else { throw RedisError.cancelled(command: name) }
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let token = RedisRequestToken()
        let request = RedisRequest(commands: commands, promise: promise, name: name, timeout: timeout, token: token)
        return try await withTaskCancellationHandler {
            channel.writeAndFlush(request).whenFailure { error in
                if let error = error as? RedisError {
                    promise.fail(error)
                } else if let error = error as? ChannelError, error == .ioOnClosedChannel {
                    promise.fail(RedisError.notConnected(reason: closeReason.value ?? "closed"))
                } else {
                    promise.fail(RedisError.connectionLost(reason: "write failed: \(error)"))
                }
            }
            return try await promise.futureResult.get()
        } onCancel: {
            token.cancel()
            channel.triggerUserOutboundEvent(RedisCancelEvent(token: token), promise: nil)
        }
    }

    /// The first command's name, upper-cased, for error messages; a pipeline is named by
    /// its first command and its size.
    static func commandName(_ commands: [[any RESPArgument]]) -> String {
        let first = (commands.first?.first).map { ($0 as? String)?.uppercased() ?? "command" } ?? "empty pipeline"
        return commands.count > 1 ? "\(first) (pipeline of \(commands.count))" : first
    }
}
