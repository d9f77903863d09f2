import AsyncHTTPClient
import Foundation
import Logging
import MaiaStandIn
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// `[metrics] listen` over real HTTP: the daemon's process scraped after a scripted run against the stand-in, and
/// the endpoint on a Unix socket.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    /// One GET (or another method) with AsyncHTTPClient; the body as text.
    static func fetch(
        _ url: String, method: HTTPMethod = .GET
    ) async throws -> (status: UInt, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (response.status.code, response.headers, String(buffer: body))
    }

    /// `promtool check metrics` over `text`, when Debian's promtool is at hand (`scripts/setup test` unpacks it into
    /// `.build-tools/`); `nil` without it.
    static func promtool(_ text: String) async throws -> ChildProcess.Outcome? {
        let candidates =
            [DaemonProcess.repositoryRoot.appendingPathComponent(".build-tools/promtool").path]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/promtool" }
        guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: "\(directory)/metrics.prom", atomically: true, encoding: .utf8)
        return try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "\"$0\" check metrics < \"$1\"", promtool, "\(directory)/metrics.prom"])
    }

    @Test func theDaemonsCountersMatchWhatTheStandInSaw() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let maia = try await StandInWithToken.start(
            in: "\(directory)/creds", token: StandInWithToken.randomToken("metrics-token"))
        let standIn = maia.standIn
        let accepted = UUID().uuidString.lowercased()
        let ended = UUID().uuidString.lowercased()
        let unknown = UUID().uuidString.lowercased()
        standIn.script(ended, [.status(409)])
        standIn.script(unknown, [.status(404)])
        try """
        max_runtime = "1h"
        allow = ["*"]
        runtime_origin = "watch"
        [api]
        base_url = "\(standIn.baseURL)"
        [confirm]
        enabled = false
        [metrics]
        listen = "127.0.0.1:0"
        """.write(toFile: "\(directory)/policy.toml", atomically: true, encoding: .utf8)
        let socket = "\(directory)/control.sock"
        let daemon = try DaemonProcess(
            ["--policy", "\(directory)/policy.toml", "--socket", socket, "--state-dir", "\(directory)/state"],
            environment: ["CREDENTIALS_DIRECTORY": "\(directory)/creds"])
        try await daemon.waitForOutput("ready on \(socket)")
        let served = try #require(daemon.lines.first { $0.contains("metrics served at http://127.0.0.1:") })
        let url = String(try #require(served.split(separator: " ").last { $0.hasPrefix("http://") }))

        for id in [accepted, ended, unknown] {
            let answer = try await LineClient.request(socket, "watch \(id) started-at=\(RFC3339Text.hoursAgo(2))")
            #expect(answer.contains(#""ok":true"#))
        }
        _ = try await standIn.waitForRequests(count: 3, timeout: .seconds(30))
        try await daemon.waitForOutput("stop of task \(accepted) ended stop_requested")
        try await daemon.waitForOutput("stop of task \(ended) ended not_running")
        try await daemon.waitForOutput("stop of task \(unknown) ended not_found")

        let scraped = try await Self.fetch(url)
        #expect(scraped.status == 200)
        #expect(scraped.headers["Content-Type"] == ["text/plain; version=0.0.4; charset=utf-8"])
        let metrics = try PrometheusText(scraped.body)
        let stops = standIn.requests.filter { $0.method == "POST" }
        #expect(stops.count == 3)
        #expect(metrics.sum("maia_watchdog_stop_attempts_total") == Double(stops.count))
        #expect(metrics.value("maia_watchdog_stop_attempts_total", ["status": "204", "result": "stop_requested"]) == 1)
        #expect(metrics.value("maia_watchdog_stop_attempts_total", ["status": "409", "result": "not_running"]) == 1)
        #expect(metrics.value("maia_watchdog_stop_attempts_total", ["status": "404", "result": "not_found"]) == 1)
        #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "stop_requested"]) == 1)
        #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "not_running"]) == 1)
        #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "not_found"]) == 1)
        #expect(metrics.value("maia_watchdog_tasks", ["state": "stop_requested"]) == 1)
        #expect(metrics.value("maia_watchdog_tasks", ["state": "watching"]) == 0)
        #expect(metrics.value("maia_watchdog_deadline_lateness_seconds_count") == 3)
        #expect(metrics.value("maia_watchdog_token_state", ["state": "ok"]) == 1)
        #expect(metrics.value("maia_watchdog_token_state", ["state": "failing"]) == 0)
        #expect(metrics.value("maia_watchdog_rate_limit_wait_seconds_count", ["lane": "stop"]) == 3)
        #expect(metrics.value("maia_watchdog_rate_limit_queued_requests", ["lane": "stop"]) == 0)
        // Each watch, each attempt (write-ahead) and each answer is committed; several may share a transaction.
        let commits = try #require(metrics.value("maia_watchdog_store_commits_total", ["result": "ok"]))
        #expect(commits >= 1 && commits <= 9)
        #expect(metrics.value("maia_watchdog_store_commit_seconds_count") == commits)
        #expect(metrics.value("maia_watchdog_build_info", ["version": MaiaWatchdogVersion.current]) == 1)
        for (family, _) in metrics.types {
            #expect(
                MetricCatalog.entry(named: family)?.help == metrics.help[family], "\(family): help from the catalog")
        }
        if let promtool = try await Self.promtool(scraped.body) {
            #expect(promtool.status == 0, "promtool check metrics: \(promtool.standardOutput)\(promtool.standardError)")
        }

        // The same text through the control socket, but for the connection asking for it.
        let ctl = try await ChildProcess.run(
            DaemonProcess.productsDirectory.appendingPathComponent("maia-watchdogctl"), ["--socket", socket, "metrics"])
        #expect(ctl.status == 0)
        let viaSocket = try PrometheusText(ctl.standardOutput)
        #expect(viaSocket.value("maia_watchdog_connections_open") == 1)
        #expect(
            viaSocket.samples.filter { $0.name != "maia_watchdog_connections_open" }.count
                == metrics.samples.filter { $0.name != "maia_watchdog_connections_open" }.count)
        #expect(viaSocket.sum("maia_watchdog_stop_attempts_total") == 3)

        #expect(try await Self.fetch(url.replacingOccurrences(of: "/metrics", with: "/")).status == 404)
        let post = try await Self.fetch(url, method: .POST)
        #expect(post.status == 405 && post.headers["Allow"] == ["GET, HEAD"])

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        #expect(!daemon.lines.joined(separator: "\n").contains(maia.token))
        try await standIn.shutdown()
    }

    @Test func aUnixSocketEndpointReplacesAStaleFileAndRefusesALiveOne() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/metrics.sock"
        close(try UnixSocketFile.bound(to: path))  // a file nobody listens on, as a crash leaves it
        let metrics = DaemonMetrics(version: "test")
        let logger = Logger(label: "test")
        let endpoint = try await MetricsEndpointService.bind(.unix(path: path), metrics: metrics, logger: logger)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o666)
        await #expect(throws: StartFailure.self) {
            _ = try await MetricsEndpointService.bind(.unix(path: path), metrics: metrics, logger: logger)
        }
        try await runServices(group(endpoint, logger)) {
            let url = "http+unix://\(path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)/metrics"
            let answer = try await Self.fetch(url)
            #expect(answer.status == 200)
            #expect(try PrometheusText(answer.body).value("maia_watchdog_build_info", ["version": "test"]) == 1)
        } cleanUp: {
        }
        #expect(!FileManager.default.fileExists(atPath: path), "removed at shutdown")
    }

    private func group(_ endpoint: MetricsEndpointService, _ logger: Logger) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(services: [.init(service: endpoint)], gracefulShutdownSignals: [], logger: logger))
    }
}
