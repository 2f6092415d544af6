import Logging
import NIOCore
import Synchronization

/// Commands to write in one flush, and the promise their replies complete.
struct RedisRequest: Sendable {
    var commands: [[any RESPArgument]]
    var promise: EventLoopPromise<[RESPValue]>
    /// The first command's name, for error messages.
    var name: String
    var timeout: Duration
    var token: RedisRequestToken
}

/// Lets a cancelled task reach its request whether or not the request has reached the
/// channel yet: the flag is set before the cancel event is sent, and the handler checks it
/// when the request is written, so no ordering between the two events is needed.
final class RedisRequestToken: Sendable {
    private let cancelled = Atomic<Bool>(false)

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }
}

/// Sent as an outbound user event when the task waiting for a request is cancelled.
struct RedisCancelEvent: Sendable {
    var token: RedisRequestToken
}

/// Why the connection closed, written on the event loop and read by any thread so that
/// commands sent after the close can say why it is closed.
final class RedisCloseReason: Sendable {
    private let reason = Mutex<String?>(nil)

    var value: String? { reason.withLock { $0 } }

    /// Keeps the first reason: later ones are consequences of it.
    func record(_ text: String) {
        reason.withLock { if $0 == nil { $0 = text } }
    }
}

/// Encodes requests, feeds received bytes to a ``RESPParser`` and completes requests in
/// the order they were written, which is the order Redis replies in.
///
/// Any failure that could desynchronise replies from requests (a timeout, a cancelled
/// waiter, malformed bytes, a reply with no request) closes the channel and fails every
/// pending request, since a later reply could otherwise be handed to the wrong command.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<[RESPValue]>
        var name: String
        var token: RedisRequestToken
        var remaining: Int
        var replies: [RESPValue]
        var timeout: Scheduled<Void>?
    }

    private var parser = RESPParser()
    private var pending = CircularBuffer<Pending>()
    private let closeReason: RedisCloseReason
    private let logger: Logger
    private var isClosed = false

    init(closeReason: RedisCloseReason, logger: Logger) {
        self.closeReason = closeReason
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if isClosed {
            let error = RedisError.notConnected(reason: closeReason.value ?? "closed")
            request.promise.fail(error)
            writePromise?.fail(error)
            return
        }
        if request.token.isCancelled {
            request.promise.fail(RedisError.cancelled(command: request.name))
            writePromise?.succeed()
            return
        }
        if request.commands.isEmpty {
            request.promise.succeed([])
            writePromise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands {
            RESPEncoder.encodeCommand(command, into: &buffer)
        }
        let token = request.token
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(request.timeout)) {
            self.timedOut(context: context, token: token, name: request.name, after: request.timeout)
        }
        pending.append(
            Pending(
                promise: request.promise, name: request.name, token: token, remaining: request.commands.count,
                replies: [], timeout: timeout))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: writePromise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        let values: [RESPValue]
        do {
            values = try parser.feed(&bytes)
        } catch {
            close(context: context, reason: "\(error)", failing: RedisError.protocolViolation(error))
            return
        }
        for value in values {
            if case .push = value.withoutAttributes {
                // Out-of-band (client tracking, pub/sub); this client subscribes to nothing.
                logger.trace("ignoring RESP3 push message", metadata: ["redis.push": "\(value)"])
                continue
            }
            guard !pending.isEmpty else {
                let reason = "the server sent a reply no command was waiting for: \(value)"
                close(context: context, reason: reason, failing: RedisError.connectionLost(reason: reason))
                return
            }
            pending[pending.startIndex].replies.append(value)
            pending[pending.startIndex].remaining -= 1
            if pending[pending.startIndex].remaining == 0 {
                let done = pending.removeFirst()
                done.timeout?.cancel()
                done.promise.succeed(done.replies)
            }
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let cancel = event as? RedisCancelEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        // Not pending means it already completed, or has not been written yet and will see
        // the token's flag when it is.
        guard let index = pending.firstIndex(where: { $0.token === cancel.token }) else { return }
        let request = pending.remove(at: index)
        request.timeout?.cancel()
        let name = request.name
        request.promise.fail(RedisError.cancelled(command: name))
        let reason = "the task waiting for \(name) was cancelled"
        close(context: context, reason: reason, failing: RedisError.connectionLost(reason: reason))
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = closeReason.value ?? "the server closed the connection"
        closeReason.record(reason)
        isClosed = true
        failAll(RedisError.connectionLost(reason: reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let reason = "network error: \(error)"
        close(context: context, reason: reason, failing: RedisError.connectionLost(reason: reason))
    }

    private func timedOut(context: ChannelHandlerContext, token: RedisRequestToken, name: String, after: Duration) {
        guard let index = pending.firstIndex(where: { $0.token === token }) else { return }
        let seconds = Self.seconds(after)
        pending.remove(at: index).promise.fail(RedisError.timeout(command: name, seconds: seconds))
        let reason = "\(name) got no reply within \(seconds) s"
        close(context: context, reason: reason, failing: RedisError.connectionLost(reason: reason))
    }

    /// Records why, fails everything pending with `error` and closes the channel.
    private func close(context: ChannelHandlerContext, reason: String, failing error: RedisError) {
        closeReason.record(reason)
        guard !isClosed else { return }
        isClosed = true
        logger.debug("closing Redis connection", metadata: ["redis.reason": "\(reason)"])
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let request = pending.popFirst() {
            request.timeout?.cancel()
            request.promise.fail(error)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
