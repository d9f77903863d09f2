import ArgumentParser
import Dispatch
import Foundation
import MaiaStandIn

@main
/// `maia-standin`: runs the loopback Maia stand-in for local demos and end-to-end tests.
struct MaiaStandInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maia-standin",
        abstract: "Run a loopback stand-in for Maia's AI Agent Task endpoints: stop, read and list.",
        discussion: """
            Serves POST {base}/v1/ai/agents/tasks/{taskId}/stop, GET {base}/v1/ai/agents/tasks/{taskId} and \
            GET {base}/v1/ai/agents/tasks?status=&page=&size=&projectId= over HTTP/1.1 as the OpenAPI documents \
            describe them: 401 for a missing or unknown bearer token, 400 for a taskId that is not a UUID or a page \
            or size out of range, 404 for an unknown path, 405 for another method. Error bodies are \
            application/problem+json.

            Tasks live in a registry: a task a stop or a read names is created RUNNING (createdAt = then) unless it \
            was registered with --task or --tasks. A stop of a RUNNING task is 204 and makes it STOPPING; it reads \
            STOPPED after --stopped-after-reads reads answering STOPPING (default 1), or once --stopped-after has \
            passed. A stop of a task that is STOPPING, STOPPED or ERRORED is 409, unless --answer scripts the task. \
            Lists are ordered by taskId.

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

    @Option(
        name: .customLong("stopped-after-reads"),
        help: ArgumentHelp(
            "How many reads of a task that accepted a stop answer STOPPING before one answers STOPPED (default 1).",
            valueName: "N"
        )
    )
    var stoppedAfterReads: Int?

    @Option(
        name: .customLong("stopped-after"),
        help: ArgumentHelp(
            "Instead of counting reads: a task that accepted a stop is STOPPED this long after the stop, e.g. 30s, "
                + "500ms, 2m, 1h (a bare number is seconds).",
            valueName: "SPAN"
        )
    )
    var stoppedAfter: String?

    @Option(
        name: .customLong("task"),
        help: ArgumentHelp(
            "Register a task before serving, RUNNING unless STATUS says otherwise, created now (repeatable).",
            valueName: "ID[:STATUS]"
        )
    )
    var presetTasks: [String] = []

    @Option(
        name: .customLong("tasks"),
        help: ArgumentHelp(
            "Register N running tasks with random IDs before serving, e.g. to demo discovery.", valueName: "N")
    )
    var randomTasks = 0

    @Option(help: "The projectId of the tasks the stand-in registers or creates.")
    var projectId = StandInTask.defaultProjectID

    func validate() throws {
        for answer in self.answers {
            _ = try Self.parseAnswer(answer)
        }
        for task in self.presetTasks {
            _ = try Self.parseTask(task)
        }
        if self.stoppedAfterReads != nil && self.stoppedAfter != nil {
            throw ValidationError("--stopped-after-reads and --stopped-after exclude each other")
        }
        if let reads = self.stoppedAfterReads, reads < 0 {
            throw ValidationError("--stopped-after-reads must be 0 or more")
        }
        if let span = self.stoppedAfter, Self.parseSpan(span) == nil {
            throw ValidationError("--stopped-after expects a span such as 30s, 500ms, 2m or 1h, got '\(span)'")
        }
        guard self.randomTasks >= 0 else {
            throw ValidationError("--tasks must be 0 or more")
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

    /// `ID` or `ID:STATUS` (a UUID and any status text).
    static func parseTask(_ text: String) throws -> (id: String, status: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { String($0) }
        guard UUID(uuidString: parts[0]) != nil, parts.count == 1 || !parts[1].isEmpty else {
            throw ValidationError("--task expects ID[:STATUS] with a UUID for ID, got '\(text)'")
        }
        return (parts[0], parts.count == 2 ? parts[1] : "RUNNING")
    }

    /// `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds (whole or decimal).
    static func parseSpan(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
            return .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
        }
        guard let value = Double(text), value >= 0, value.isFinite else { return nil }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// The progression the options ask for.
    var stopProgress: StopProgress {
        if let span = self.stoppedAfter.flatMap(Self.parseSpan) { return .after(span) }
        return .reads(self.stoppedAfterReads ?? 1)
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
            registry: TaskRegistryConfiguration(stopProgress: self.stopProgress, projectID: self.projectId),
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
        let now = Date()
        for task in self.presetTasks {
            let (id, status) = try Self.parseTask(task)
            standIn.setTask(StandInTask(taskID: id, status: status, createdAt: now, projectID: self.projectId))
        }
        if self.randomTasks > 0 {
            standIn.addTasks(count: self.randomTasks)
            FileHandle.standardError.write(Data("registered \(self.randomTasks) running tasks\n".utf8))
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
