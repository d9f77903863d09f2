import Foundation
import Glibc
import NIOCore
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("Control socket over a real Unix socket")
struct ControlSocketTests {
    func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Harness.with(socket: true) { h in
            let a = TaskID.random()
            let b = TaskID.random()
            let lines = try await LineClient.with(h.socketPath) { session in
                // Three requests in one write, mixed line endings, the bare-ID form first.
                try await session.send("\(a.rawValue.uppercased())\nwatch \(b) max-runtime=90s\r\nlist\n")
                var lines: [String] = []
                for _ in 0..<3 { lines.append(try #require(try await session.readLine())) }
                return lines
            }
            let first = try object(lines[0])
            #expect(first["ok"] as? Bool == true)
            #expect((first["task"] as? [String: Any])?["id"] as? String == a.rawValue)
            let second = try #require(try object(lines[1])["task"] as? [String: Any])
            #expect(second["max_runtime_s"] as? Int == 90)
            let requester = try #require(second["requested_by"] as? [String: Any])
            #expect(requester["uid"] as? Int == Int(getuid()))
            #expect(requester["pid"] as? Int == Int(getpid()))
            let tasks = try #require(try object(lines[2])["tasks"] as? [[String: Any]])
            #expect(Set(tasks.compactMap { $0["id"] as? String }) == [a.rawValue, b.rawValue])
        }
    }

    /// `echo ID | socat - UNIX-CONNECT:…`: the line and the end of input arrive together, often
    /// before the connection's framing is installed; the line must still be answered (it once
    /// was read into a pipeline without framing, and lost).
    @Test func aLineFollowedAtOnceByTheEndOfInputIsAnswered() async throws {
        try await Harness.with(socket: true) { h in
            for _ in 0..<20 {
                let id = TaskID.random()
                let answer = try await HalfClosingClient.exchange(h.socketPath, "\(id)\nstatus \(id)\n")
                let lines = answer.split(separator: "\n").map(String.init)
                try #require(lines.count == 2, "answer: \(answer)")
                #expect((try object(lines[0])["task"] as? [String: Any])?["id"] as? String == id.rawValue)
                #expect((try object(lines[1])["task"] as? [String: Any])?["state"] as? String == "watching")
            }
        }
    }

    @Test func errorsKeepTheConnectionOpen() async throws {
        try await Harness.with(socket: true) { h in
            let id = TaskID.random()
            let lines = try await LineClient.with(h.socketPath) { session in
                [
                    try await session.request(""),
                    try await session.request("not-a-task"),
                    try await session.request("status \(id)"),
                    try await session.request("forget \(id)"),
                    try await session.request("list state=sleeping"),
                    try await session.request("watch \(id) started-at=2999-01-01T00:00:00Z"),
                    try await session.request("status"),
                ]
            }
            let codes = try lines.map { try object($0)["error"] as? String }
            #expect(
                codes == [
                    "bad_request", "invalid_task_id", "unknown_task", "unknown_task", "bad_request", "bad_request", nil,
                ])
            let daemon = try #require(try object(lines[6])["daemon"] as? [String: Any])
            #expect(daemon["version"] as? String == "test")
            #expect((daemon["api"] as? [String: Any])?["token"] as? String == "ok")
        }
    }

    @Test func overlongLineIsRefusedAndClosedWithoutHarmingOthers() async throws {
        try await Harness.with(socket: true) { h in
            let id = TaskID.random()
            try await LineClient.with(h.socketPath) { other in
                // A stuck client: half a line, never finished.
                try await other.send("watch \(id)")
                let (response, after) = try await LineClient.with(h.socketPath) { session in
                    try await session.send(bytes: Array(repeating: UInt8(ascii: "a"), count: 5000) + [10])
                    return (try await session.readLine(), try await session.readLine())
                }
                #expect(try object(try #require(response))["error"] as? String == "line_too_long")
                #expect(after == nil)
                // Exactly 4096 bytes plus CRLF is still a line (an invalid task ID, not too long).
                let exact = try await LineClient.request(h.socketPath, String(repeating: "b", count: 4096) + "\r")
                #expect(try object(exact)["error"] as? String == "invalid_task_id")
                // The stuck client finishes its line and is served.
                try await other.send("\n")
                let late = try #require(try await other.readLine())
                #expect(try object(late)["ok"] as? Bool == true)
            }
        }
    }

    @Test("idle and slow connections are closed with an error line; an answer counts as activity")
    func idleAndSlowConnectionsAreClosed() async throws {
        let limits = ConnectionLimits(maximum: 16, perProcess: 16, idleTimeout: .milliseconds(300))
        try await Harness.with(socket: true, connectionLimits: limits) { h in
            let path = h.socketPath
            let seen = Locked<[[String?]]>([])
            try await withBound(.seconds(20), "idle connections to be closed") {
                // Idle: nothing sent. Slow: a partial line, never ended. Served: one answer, then idle.
                @Sendable func lines(_ body: @Sendable (inout LineClient.Session) async throws -> [String?]) async
                    -> [String?]
                {
                    do { return try await LineClient.with(path, body) } catch { return ["error: \(error)"] }
                }
                async let idle = lines { s in [try await s.readLine(), try await s.readLine()] }
                async let slow = lines { s in
                    try await s.send("watch ")
                    return [try await s.readLine(), try await s.readLine()]
                }
                async let served = lines { s in
                    [try await s.request("status"), try await s.readLine(), try await s.readLine()]
                }
                let results = await [idle, slow, served]
                seen.withLock { $0 = results }
            }
            let results = seen.withLock { $0 }
            let expired =
                #"{"ok":false,"error":"bad_request","message":"no complete request line for 0.3 s; closing the connection"}"#
            #expect(results[0] == [expired, nil])
            #expect(results[1] == [expired, nil])
            #expect(results[2].count == 3)
            #expect(results[2].first??.hasPrefix(#"{"ok":true,"daemon":"#) == true)
            #expect(Array(results[2].dropFirst()) == [expired, nil])
        }
    }

    @Test func manyConcurrentClients() async throws {
        try await Harness.with(socket: true) { h in
            let ids = (0..<50).map { _ in TaskID.random() }
            try await withThrowingTaskGroup(of: String.self) { group in
                for id in ids {
                    group.addTask { try await LineClient.request(h.socketPath, "watch \(id)") }
                }
                for try await line in group {
                    #expect(line.hasPrefix(#"{"ok":true,"task":"#))
                }
            }
            let list = try object(try await LineClient.request(h.socketPath, "list state=watching"))
            #expect((list["tasks"] as? [Any])?.count == 50)
        }
    }

    @Test func socketACLRefusesOtherUsers() async throws {
        let policy = Harness.policy { $0.socket = .init(allowedUIDs: [getuid() &+ 1], allowedGIDs: []) }
        try await Harness.with(policy: policy, socket: true) { h in
            // From this process (where the daemon's own watchdog probe comes from): refused, not logged.
            let line = try await LineClient.request(h.socketPath, "status")
            #expect(try object(line)["error"] as? String == "permission_denied")
            #expect(h.logs.events("refused").isEmpty)
            // From another process: refused and logged with the peer.
            let ctl = try await ChildProcess.run(
                DaemonProcess.productsDirectory.appendingPathComponent("maia-watchdogctl"),
                ["--socket", h.socketPath, "status"])
            #expect(ctl.status == 1)
            let refused = h.logs.events("refused")
            #expect(refused.count == 1)
            #expect(refused.first?.metadata["peer.pid"] == "\(ctl.pid)")
        }
    }

    /// `allowed_gids` admits by the peer's group: with only another group listed this process is refused; with its
    /// own group listed (beside a uid that is not ours: either list admits) it is served.
    @Test func socketACLAdmitsByGroup() async throws {
        let otherGroup = Harness.policy { $0.socket = .init(allowedUIDs: [], allowedGIDs: [getgid() &+ 1]) }
        try await Harness.with(policy: otherGroup, socket: true) { h in
            let line = try await LineClient.request(h.socketPath, "status")
            #expect(try object(line)["error"] as? String == "permission_denied")
        }
        let ownGroup = Harness.policy {
            $0.socket = .init(allowedUIDs: [getuid() &+ 1], allowedGIDs: [getgid() &+ 1, getgid()])
        }
        try await Harness.with(policy: ownGroup, socket: true) { h in
            let line = try await LineClient.request(h.socketPath, "status")
            #expect(try object(line)["ok"] as? Bool == true)
        }
    }

    @Test func socketFileModeAndStaleSocketHandling() async throws {
        try await Harness.with(socket: true) { h in
            var info = stat()
            #expect(stat(h.socketPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660)
            // A live listener is not replaced.
            await #expect(throws: ControlSocketListener.BindError.self) {
                _ = try await ControlSocketListener.bind(path: h.socketPath)
            }
        }
        // A stale socket file (nobody listening) is replaced.
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/stale.sock"
        close(try UnixSocketFile.bound(to: path))
        #expect(ControlSocketListener.isListening(path) == false)
        let listener = try await ControlSocketListener.bind(path: path)
        #expect(ControlSocketListener.isListening(path))
        // Close the probe's connection and the listener.
        try await listener.server.executeThenClose { inbound in
            var connections = inbound.makeAsyncIterator()
            try? await connections.next()?.close()
        }
        // A regular file is never replaced.
        let file = "\(directory)/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        await #expect(throws: ControlSocketListener.BindError.self) {
            _ = try await ControlSocketListener.bind(path: file)
        }
    }
}
