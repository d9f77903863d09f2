import Foundation
import NIOCore
import NIOHTTP1

/// Serves one connection: collects each request, asks ``StandInCore`` what to answer, and writes it (now, later, or
/// never). Keep-alive and pipelining come from NIO's HTTP server pipeline, which holds a pipelined request back
/// until the previous response has ended.
final class StandInHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: StandInCore
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// The most request body kept (a token request's form is small).
    private static let maximumBodySize = 64 * 1024

    init(core: StandInCore) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            // The Stop endpoint takes no body; the token endpoint's form is read.
            let room = Self.maximumBodySize - self.body.count
            if room > 0 {
                self.body += buffer.readableBytesView.prefix(room)
            }
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let body = self.body
            self.body = []
            let reply = self.core.handle(
                method: head.method.rawValue,
                target: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) },
                body: body,
                remoteAddress: context.remoteAddress.map { "\($0)" }
            )
            self.send(
                reply.answer, extraHeaders: reply.extraHeaders, customBody: reply.body, request: head,
                context: context)
        }
    }

    private func send(
        _ answer: ScriptedAnswer,
        extraHeaders: [(String, String)],
        customBody: (contentType: String, bytes: [UInt8])? = nil,
        request: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        switch answer {
        case .dropConnection:
            context.close(promise: nil)
        case .delayed(let delay, let answer):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                let (handler, context) = bound.value
                guard context.channel.isActive else { return }
                handler.send(
                    answer, extraHeaders: extraHeaders, customBody: customBody, request: request, context: context)
            }
        case .held(let answer):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            self.core.hold {
                loop.execute {
                    let (handler, context) = bound.value
                    guard context.channel.isActive else { return }
                    handler.send(
                        answer, extraHeaders: extraHeaders, customBody: customBody, request: request, context: context)
                }
            }
        case .status(let status, let retryAfter, let detail, let violations):
            var headers = HTTPHeaders()
            let body: [UInt8]
            if let customBody {
                body = customBody.bytes
                headers.add(name: "Content-Type", value: customBody.contentType)
            } else if status >= 400 {
                body = ProblemBody.encode(
                    status: status,
                    detail: detail,
                    violations: violations,
                    instance: request.uri
                )
                headers.add(name: "Content-Type", value: "application/problem+json")
            } else {
                body = []
            }
            if status != 204 && status != 304 && status >= 200 {
                headers.add(name: "Content-Length", value: String(body.count))
            }
            if let retryAfter {
                headers.add(name: "Retry-After", value: retryAfter)
            }
            for (name, value) in extraHeaders {
                headers.add(name: name, value: value)
            }
            let keepAlive = request.isKeepAlive
            if !keepAlive {
                headers.add(name: "Connection", value: "close")
            }
            let head = HTTPResponseHead(
                version: request.version,
                status: HTTPResponseStatus(statusCode: status),
                headers: headers
            )
            context.write(self.wrapOutboundOut(.head(head)), promise: nil)
            if !body.isEmpty {
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            }
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive {
                    channel.close(promise: nil)
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The `application/problem+json` body of an error answer.
enum ProblemBody {
    private struct Problem: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String
        var violations: [String]
    }

    static func encode(status: Int, detail: String?, violations: [String]?, instance: String) -> [UInt8] {
        let title = HTTPResponseStatus(statusCode: status).reasonPhrase
        let problem = Problem(
            type: "about:blank",
            title: title.isEmpty ? "Error" : title,
            status: status,
            detail: detail ?? (title.isEmpty ? "Error." : "\(title)."),
            instance: instance,
            violations: violations ?? []
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(problem))) ?? []
    }
}
