import Foundation
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// What the metrics count, exactly, on the manual clock against the stand-in: the counters against the requests the
/// stand-in saw, the histograms' sums against the clock, and the `metrics` verb's text.
@Suite("Metrics")
struct MetricsTests {
    /// The enforcer's metrics as a scraper reads them (the text must parse).
    static func scrape(_ h: Harness) throws -> PrometheusText {
        try PrometheusText(h.enforcer.metrics.render())
    }

    @Test func aConfirmedStopIsCountedWithItsConfirmationDelayAndLateness() async throws {
        try await Harness.with(policy: ConfirmationTests.confirming()) { h in
            let id = TaskID.random()
            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: h.clock.now()))
            _ = try await h.watch(id, maxRuntime: .seconds(60))
            h.clock.advance(by: .seconds(60))
            try await h.requests(1)
            try await h.idle()
            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "STOPPED", createdAt: h.clock.now()))
            h.clock.advance(by: .seconds(10))
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopped)

            let metrics = try Self.scrape(h)
            let reads = h.standIn.requests.filter { $0.method == "GET" }.count
            let stops = h.standIn.requests.filter { $0.method == "POST" }.count
            #expect(reads == 1 && stops == 1)
            #expect(metrics.sum("maia_watchdog_reads_total") == Double(reads))
            #expect(metrics.value("maia_watchdog_reads_total", ["kind": "confirm", "result": "ok"]) == 1)
            #expect(metrics.sum("maia_watchdog_stop_attempts_total") == Double(stops))
            #expect(
                metrics.value("maia_watchdog_stop_attempts_total", ["status": "204", "result": "stop_requested"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "stopped"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "stop_unconfirmed"]) == 0)
            #expect(metrics.value("maia_watchdog_stop_confirmation_seconds_count") == 1)
            #expect(metrics.value("maia_watchdog_stop_confirmation_seconds_sum") == 10)
            // Acted on at the deadline's own instant: the manual clock never runs late.
            #expect(metrics.value("maia_watchdog_deadline_lateness_seconds_count") == 1)
            #expect(metrics.value("maia_watchdog_deadline_lateness_seconds_sum") == 0)
            #expect(metrics.value("maia_watchdog_tasks", ["state": "stopped"]) == 1)
            #expect(metrics.sum("maia_watchdog_tasks") == 1)
            #expect(metrics.value("maia_watchdog_retries_total", ["request": "stop"]) == nil)
        }
    }

    @Test func retriesTerminalAnswersAndLatenessAfterADowntimeAreCounted() async throws {
        let late = TaskID.random()
        let rejected = TaskID.random()
        let gone = TaskID.random()
        try await Harness.with(
            policy: Harness.policy {
                $0.runtimeOrigin = .watch
                $0.confirm.enabled = false
            },
            prepare: { standIn in
                standIn.script(late.rawValue, [.status(502), .accepted])
                standIn.script(rejected.rawValue, [.status(403)])
                standIn.script(gone.rawValue, [.status(409)])
            }
        ) { h in
            let now = h.clock.now()
            // Watched with an origin 90 s ago and a 60 s limit: 30 s past the deadline at the watch.
            _ = try await h.watch(late, maxRuntime: .seconds(60), startedAt: now.addingTimeInterval(-90))
            _ = try await h.watch(rejected, maxRuntime: .seconds(60), startedAt: now.addingTimeInterval(-60))
            _ = try await h.watch(gone, maxRuntime: .seconds(60), startedAt: now.addingTimeInterval(-60))
            try await h.requests(3)
            try await h.idle()
            let retryAt = try #require(await h.record(late)?.nextAttemptAt)
            h.clock.advance(to: retryAt)
            try await h.requests(4)
            try await h.idle()
            #expect(await h.record(late)?.state == .stopRequested)

            let metrics = try Self.scrape(h)
            #expect(metrics.sum("maia_watchdog_stop_attempts_total") == Double(h.standIn.requests.count))
            #expect(metrics.value("maia_watchdog_stop_attempts_total", ["status": "502", "result": "retry"]) == 1)
            #expect(
                metrics.value("maia_watchdog_stop_attempts_total", ["status": "204", "result": "stop_requested"]) == 1)
            #expect(metrics.value("maia_watchdog_stop_attempts_total", ["status": "403", "result": "rejected"]) == 1)
            #expect(
                metrics.value("maia_watchdog_stop_attempts_total", ["status": "409", "result": "not_running"]) == 1)
            #expect(metrics.value("maia_watchdog_retries_total", ["request": "stop"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "stop_requested"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "rejected"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "not_running"]) == 1)
            #expect(metrics.value("maia_watchdog_task_ends_total", ["state": "gave_up"]) == 0)
            #expect(metrics.value("maia_watchdog_deadline_lateness_seconds_count") == 3)
            #expect(metrics.value("maia_watchdog_deadline_lateness_seconds_sum") == 30)
            #expect(metrics.sum("maia_watchdog_reads_total") == 0)
            #expect(metrics.value("maia_watchdog_tasks", ["state": "rejected"]) == 1)
        }
    }

    @Test func theBreakerAndItsHeldTasksAreGauges() async throws {
        try await Harness.with(
            policy: Harness.policy {
                $0.runtimeOrigin = .watch
                $0.confirm.enabled = false
                $0.safety.maxStops = 1
            }
        ) { h in
            let start = h.clock.now()
            for _ in 0..<3 {
                _ = try await h.watch(TaskID.random(), maxRuntime: .seconds(60), startedAt: start)
            }
            h.clock.advance(by: .seconds(60))
            try await h.requests(1)
            try await h.idle()
            let open = try Self.scrape(h)
            #expect(open.value("maia_watchdog_breaker_open") == 1)
            #expect(open.value("maia_watchdog_breaker_held_tasks") == 2)
            #expect(open.value("maia_watchdog_breaker_openings_total") == 1)
            #expect(open.value("maia_watchdog_tasks", ["state": "held"]) == 2)
            // One deadline acted on by a stop, two by the breaker holding them: all at the deadline's instant.
            #expect(open.value("maia_watchdog_deadline_lateness_seconds_count") == 3)
            #expect(open.value("maia_watchdog_deadline_lateness_seconds_sum") == 0)

            #expect(await h.enforcer.handle(.release, from: Requester(uid: 0, pid: 1)) == .released(2))
            try await h.requests(3)
            try await h.idle()
            let closed = try Self.scrape(h)
            #expect(closed.value("maia_watchdog_breaker_open") == 0)
            #expect(closed.value("maia_watchdog_breaker_held_tasks") == 0)
            #expect(closed.value("maia_watchdog_breaker_openings_total") == 1)
        }
    }

    @Test func discoveryPassesAndTheTasksTheyFindAreCounted() async throws {
        let created = ManualClock().now().addingTimeInterval(-600)
        try await Harness.with(policy: DiscoveryIntegrationTests.discovering()) { standIn in
            standIn.addTasks(count: 3, createdAt: created)
        } _: { h in
            try await h.requests(1 + 3)
            try await h.idle()
            let first = try Self.scrape(h)
            #expect(first.value("maia_watchdog_discovery_passes_total", ["result": "ok"]) == 1)
            #expect(first.value("maia_watchdog_discovered_tasks_total", ["how": "discovered"]) == 3)
            #expect(first.value("maia_watchdog_reads_total", ["kind": "list", "result": "ok"]) == 1)
            #expect(first.value("maia_watchdog_reads_total", ["kind": "origin", "result": "ok"]) == 3)
            #expect(
                first.value("maia_watchdog_discovery_last_success_timestamp_seconds")
                    == h.clock.now().timeIntervalSince1970)

            // A failing pass: the page is retried on the backoff once, then a Retry-After past the interval ends it.
            h.standIn.scriptList([.status(502), .status(502, retryAfter: "120")])
            h.clock.advance(by: .seconds(60))
            try await h.requests(1 + 3 + 1)
            try await h.idle()
            let retryAt = try #require(await h.enforcer.enforcer.timer)
            h.clock.advance(to: retryAt)
            try await h.requests(1 + 3 + 2)
            try await h.idle()
            let failed = try Self.scrape(h)
            #expect(h.standIn.listRequests.count == 3)
            #expect(failed.value("maia_watchdog_discovery_passes_total", ["result": "failed"]) == 1)
            #expect(failed.value("maia_watchdog_reads_total", ["kind": "list", "result": "ok"]) == 1)
            #expect(failed.value("maia_watchdog_reads_total", ["kind": "list", "result": "failed"]) == 2)
            #expect(failed.value("maia_watchdog_retries_total", ["request": "list"]) == 1)
            #expect(
                failed.value("maia_watchdog_discovery_last_success_timestamp_seconds")
                    == first.value("maia_watchdog_discovery_last_success_timestamp_seconds"))
        }
    }

    @Test func theMetricsVerbAnswersTheExpositionText() async throws {
        try await Harness.with(socket: true) { h in
            let line = try await LineClient.request(h.socketPath, "metrics")
            let reply = try JSONDecoder().decode(ControlReply.self, from: Data(line.utf8))
            #expect(reply.ok)
            let metrics = try PrometheusText(try #require(reply.metrics))
            #expect(metrics.value("maia_watchdog_build_info", ["version": MaiaWatchdogVersion.current]) == 1)
            #expect(metrics.value("maia_watchdog_connections_open") == 1, "the asking connection itself")
            #expect(metrics.help["maia_watchdog_tasks"] == MetricCatalog.tasks.help)
            let refused = try await LineClient.request(h.socketPath, "metrics now")
            #expect(refused.contains(#""error":"bad_request""#) && refused.contains("metrics takes no arguments"))
        }
    }

    /// Every metric the daemon makes is in the catalog (so it has its help text and is in docs/operations.md), and
    /// the catalog's names follow Prometheus' conventions.
    @Test func theCatalogNamesEveryMetricAndTheOperationsGuideListsThem() throws {
        let names = MetricCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        for entry in MetricCatalog.all {
            #expect(entry.name.hasPrefix("maia_watchdog_"))
            #expect((entry.kind == .counter) == entry.name.hasSuffix("_total"), "\(entry.name)")
            if entry.kind == .histogram {
                #expect(entry.name.hasSuffix("_seconds") && entry.buckets == entry.buckets.sorted(), "\(entry.name)")
            }
        }
        let guide = try String(
            contentsOf: DaemonProcess.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        for name in names {
            #expect(guide.contains("`\(name)`"), "docs/operations.md lists \(name)")
        }
        let fresh = try PrometheusText(DaemonMetrics().render())
        for family in fresh.types.keys {
            #expect(MetricCatalog.entry(named: family) != nil, "\(family) is in the catalog")
            #expect(fresh.help[family]?.isEmpty == false, "\(family) has help text")
        }
    }
}
