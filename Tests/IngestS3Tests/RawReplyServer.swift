import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP server that answers any bytes with one fixed reply and closes, like a Redis
/// server spoken to in HTTP; or, without a reply, accepts connections and never answers.
final class RawReplyServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let accepted = Counter()

    /// Connections accepted so far.
    var connections: Int { accepted.value.load(ordering: .relaxed) }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    init(reply: String?) async throws {
        let accepted = accepted
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.value.wrappingAdd(1, ordering: .relaxed)
                guard let reply else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.pipeline.addHandler(Replier(reply: reply))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    func stop() {
        channel.close(promise: nil)
    }

    private final class Replier: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let reply: String

        init(reply: String) { self.reply = reply }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
            context.close(promise: nil)
        }
    }
}
