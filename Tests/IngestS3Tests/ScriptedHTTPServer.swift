import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP server that answers requests with canned responses in order (the last one
/// repeats), for what a real S3 server cannot be made to do: answer 503, or HTML.
final class ScriptedHTTPServer: Sendable {
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body: String = ""
    }

    let port: Int
    private let channel: any Channel
    private let state: Script

    /// Each request as `METHOD URI`, in arrival order.
    var requests: [String] { state.lock.withLock { $0.requests } }

    private final class Script: Sendable {
        let lock: Mutex<(responses: [Response], requests: [String])>
        init(_ responses: [Response]) { lock = Mutex((responses, [])) }
    }

    init(_ responses: [Response]) async throws {
        let state = Script(responses)
        self.state = state
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(next: { request in
                        state.lock.withLock { value in
                            value.requests.append(request)
                            return value.responses.count > 1 ? value.responses.removeFirst() : value.responses[0]
                        }
                    }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let next: @Sendable (String) -> Response
        private let head = Mutex<HTTPRequestHead?>(nil)

        init(next: @escaping @Sendable (String) -> Response) {
            self.next = next
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let requestHead):
                head.withLock { $0 = requestHead }
            case .body:
                break
            case .end:
                guard let requestHead = head.withLock({ $0 }) else { return }
                let response = next("\(requestHead.method.rawValue) \(requestHead.uri)")
                var headers = HTTPHeaders(response.headers)
                headers.replaceOrAdd(name: "content-length", value: String(response.body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
                if requestHead.method != .HEAD {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
                }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
