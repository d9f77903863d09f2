import ArgumentParser
import Dispatch
import Foundation
import MaiaStandIn

@main
/// `maia-standin`: runs the loopback Maia stand-in for local demos and end-to-end tests.
struct MaiaStandInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maia-standin",
        abstract: "Run a loopback stand-in for Maia's Stop an AI Agent Task endpoint.",
        discussion: """
            Serves POST {base}/v1/ai/agents/tasks/{taskId}/stop over HTTP/1.1 as the published OpenAPI describes it: \
            204 by default, 401 for a missing or unknown bearer token, 400 for a taskId that is not a UUID, 404 for \
            an unknown path, 405 for another method. Error bodies are application/problem+json.

            The first line on stdout is the base URL (e.g. http://127.0.0.1:41234/dpc); point the daemon's \
            [api] base_url at it. Each request is logged on stderr as one line (tokens are not shown). \
            Runs until SIGTERM or SIGINT (Ctrl-C), then closes its connections and exits 0.
            """
    )

    @Option(help: "The address to listen on (loopback only is recommended).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "The path the API lives under.")
    var basePath = "/dpc"

    @Option(
        name: .customLong("token"),
        help: "A bearer token to accept (repeatable). Default: test-token."
    )
    var tokens: [String] = []

    @Option(
        name: .customLong("client"),
        help: ArgumentHelp(
            "Serve an OAuth client-credentials token endpoint at --token-path for this client; the tokens it "
                + "issues are accepted.",
            valueName: "CLIENT_ID:SECRET"
        )
    )
    var client: String?

    @Option(help: "The path of the token endpoint (with --client).")
    var tokenPath = "/oauth/dpc/token"

    @Option(
        name: .customLong("answer"),
        help: ArgumentHelp(
            "Script an answer: TASK_ID=STATUS (repeatable; a task's answers are used in order, then the default); "
                + "*=STATUS sets the default.",
            valueName: "TASK_ID=STATUS"
        )
    )
    var answers: [String] = []

    func validate() throws {
        for answer in self.answers {
            _ = try Self.parseAnswer(answer)
        }
        if let client = self.client, client.split(separator: ":", maxSplits: 1).count != 2 {
            throw ValidationError("--client expects CLIENT_ID:SECRET")
        }
        guard (0...65535).contains(self.port) else {
            throw ValidationError("--port must be between 0 and 65535")
        }
    }

    static func parseAnswer(_ text: String) throws -> (task: String, status: Int) {
        let parts = text.split(separator: "=", maxSplits: 1).map { String($0) }
        guard parts.count == 2, !parts[0].isEmpty, let status = Int(parts[1]), (100...599).contains(status) else {
            throw ValidationError("--answer expects TASK_ID=STATUS with STATUS from 100 to 599, got '\(text)'")
        }
        return (parts[0], status)
    }

    func run() async throws {
        let standIn = try await MaiaStandIn.start(
            host: self.host,
            port: self.port,
            basePath: self.basePath,
            acceptedTokens: self.tokens.isEmpty ? ["test-token"] : Set(self.tokens),
            tokenEndpoint: self.client.map { client in
                let parts = client.split(separator: ":", maxSplits: 1).map(String.init)
                return TokenEndpointConfiguration(
                    path: self.tokenPath, clientID: parts[0], clientSecret: parts[1], audience: nil)
            },
            onRequest: { request in
                let stamp = request.receivedAt.formatted(.iso8601)
                FileHandle.standardError.write(Data("\(stamp) \(request)\n".utf8))
            }
        )
        for answer in self.answers {
            let (task, status) = try Self.parseAnswer(answer)
            if task == "*" {
                standIn.setDefault(.status(status))
            } else {
                standIn.script(task, [.status(status)])
            }
        }
        print(standIn.baseURL)
        if let tokenURL = standIn.tokenURL {
            FileHandle.standardError.write(Data("token endpoint: \(tokenURL)\n".utf8))
        }
        fflush(nil)

        let signal = await Self.waitForTerminationSignal()
        FileHandle.standardError.write(Data("received signal \(signal), shutting down\n".utf8))
        try await standIn.shutdown()
    }

    /// Blocks SIGTERM and SIGINT's default action and waits for either, via Dispatch signal sources.
    static func waitForTerminationSignal() async -> Int32 {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "maia-standin.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources {
                source.cancel()
            }
        }
        for await number in stream {
            return number
        }
        return SIGTERM
    }
}
