import Foundation
import MaiaClient
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("Enforcer with OAuth client credentials against the stand-in")
struct AuthEnforcerTests {
    @Test("401 → one token refresh → the retry with the new token succeeds")
    func refreshAfter401() async throws {
        try await AuthHarness.with { a in
            let h = a.h
            let first = try await a.provider.token()
            h.standIn.revokeIssuedTokens()
            let id = TaskID.random()
            _ = try await h.watch(id, maxRuntime: .seconds(10))
            h.clock.advance(by: .seconds(10))
            try await h.requests(4)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .stopRequested)
            #expect(record.attempts == 2)
            #expect(record.lastHTTPStatus == 204)
            #expect(h.standIn.tokenRequests.count == 2)
            let stops = h.standIn.requests.filter { $0.taskID != nil }
            #expect(stops.map(\.answer.finalStatus) == [401, 204])
            #expect(stops.map(\.bearerToken) == [first, h.standIn.issuedTokens[1]])
            #expect(a.health.value == .ok)
        }
    }

    @Test("401 with a fresh token too → rejected, after exactly two stop attempts and one refresh")
    func twiceRefusedIsRejected() async throws {
        try await AuthHarness.with { a in
            let h = a.h
            let id = TaskID.random()
            h.standIn.script(id.rawValue, [.status(401), .status(401)])
            _ = try await h.watch(id, maxRuntime: .seconds(10))
            h.clock.advance(by: .seconds(10))
            try await h.requests(4)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .rejected)
            #expect(record.attempts == 2)
            #expect(record.lastHTTPStatus == 401)
            #expect(h.standIn.tokenRequests.count == 2)
            let stops = h.standIn.requests.filter { $0.taskID != nil }
            #expect(Set(stops.compactMap(\.bearerToken)).count == 2)
            h.clock.advance(by: .seconds(3600))
            try await h.idle()
            #expect(h.standIn.requests.filter { $0.taskID != nil }.count == 2)
        }
    }

    @Test("token endpoint down: the stop attempt fails and is retried; `status` says failing, then ok")
    func endpointDownThenUp() async throws {
        try await AuthHarness.with { a in
            let h = a.h
            h.standIn.setDefaultTokenAnswer(.fail(.status(503)))
            let id = TaskID.random()
            _ = try await h.watch(id, maxRuntime: .seconds(10))
            h.clock.advance(by: .seconds(10))
            try await h.requests(1)
            try await h.idle()
            var record = try #require(await h.record(id))
            #expect(record.state == .stopping)
            #expect(record.attempts == 1)
            #expect(record.lastHTTPStatus == nil)
            #expect(record.lastError?.contains("could not get an API token") == true)
            #expect(a.health.value == .failing)
            guard case .daemon(let status) = await h.enforcer.handle(.status(nil), from: Harness.requester) else {
                Issue.record("no daemon status")
                return
            }
            #expect(status.token == .failing)

            h.standIn.setDefaultTokenAnswer(.issue)
            while let current = await h.record(id), current.state == .stopping, let next = current.nextAttemptAt {
                h.clock.advance(to: next)
                try await h.idle()
            }
            record = try #require(await h.record(id))
            #expect(record.state == .stopRequested)
            #expect(a.health.value == .ok)
            #expect(h.standIn.requests.filter { $0.taskID != nil }.count == 1)
            #expect(h.logs.events("token_refreshed").count == 1)
        }
    }

    @Test("neither the client secret nor any token appears in a log line, a status or a record")
    func secretsNeverShown() async throws {
        try await AuthHarness.with { a in
            let h = a.h
            var outputs: [String] = []
            // Token endpoint trouble of every kind, then success; stops refused, retried, and accepted.
            h.standIn.scriptToken([.fail(.status(500)), .fail(.dropConnection), .fail(.status(503, retryAfter: "1"))])
            let ids = (0..<3).map { _ in TaskID.random() }
            h.standIn.script(ids[1].rawValue, [.status(401), .status(401)])
            h.standIn.script(ids[2].rawValue, [.status(403, detail: "no", violations: ["v"])])
            for id in ids {
                outputs.append(
                    await h.enforcer.handle(
                        .watch(id, maxRuntime: .seconds(5), startedAt: nil), from: Harness.requester
                    ).jsonLine)
            }
            h.clock.advance(by: .seconds(5))
            try await h.idle()
            for _ in 0..<50 {
                var pending: [Date] = []
                for id in ids {
                    if let record = await h.record(id), record.state == .stopping, let next = record.nextAttemptAt {
                        pending.append(next)
                    }
                }
                guard let next = pending.min() else { break }
                h.clock.advance(to: next)
                try await h.idle()
            }
            h.standIn.revokeIssuedTokens()
            let late = TaskID.random()
            _ = try await h.watch(late, maxRuntime: .seconds(1))
            h.clock.advance(by: .seconds(1))
            try await h.idle()
            for id in ids + [late] {
                outputs.append(await h.enforcer.handle(.status(id), from: Harness.requester).jsonLine)
            }
            outputs.append(await h.enforcer.handle(.status(nil), from: Harness.requester).jsonLine)
            outputs.append(await h.enforcer.handle(.list(nil), from: Harness.requester).jsonLine)

            #expect(h.standIn.issuedTokens.count >= 2)
            #expect(h.logs.events("token_refreshed").count == h.standIn.issuedTokens.count)
            #expect(!h.logs.events("token_failed").isEmpty)
            let texts = a.logTexts + outputs
            for text in texts {
                #expect(!text.contains(AuthHarness.secret), "secret leaked in: \(text)")
                for token in h.standIn.issuedTokens {
                    #expect(!text.contains(token), "token leaked in: \(text)")
                }
            }
        }
    }
}
