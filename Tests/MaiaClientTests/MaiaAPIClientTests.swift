import Foundation
import MaiaClient
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore

/// The client against the real stand-in over loopback HTTP.
@Suite("MaiaAPIClient stops against the stand-in")
struct MaiaAPIClientTests {
    @Test("204: stop accepted, with the exact request on the wire")
    func accepted() async throws {
        try await Fixture.with { fixture in
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            #expect(answer == .succeeded(status: 204, NoContent()))

            let requests = try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(5))
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.path == fixture.stopPath())
            #expect(request.taskID == Fixture.taskID)
            #expect(request.authorization == "Bearer test-token")
            #expect(request.bearerToken == "test-token")
            #expect(request.header("Accept") == "application/problem+json")
            #expect(request.header("User-Agent") == "maia-watchdog/\(Fixture.version)")
            #expect(request.answer == .status(204))
        }
    }

    @Test(
        "409, 404 and 403 come with their problem detail",
        arguments: [(409, "Conflict"), (404, "Not Found"), (403, "Forbidden")]
    )
    func problems(status: Int, title: String) async throws {
        try await Fixture.with { fixture in
            fixture.standIn.script(
                Fixture.taskID,
                [.status(status, detail: "explained \(status)", violations: ["rule \(status)", "second"])]
            )
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            let problem = ProblemDetail(
                type: "about:blank",
                title: title,
                status: status,
                detail: "explained \(status)",
                instance: fixture.stopPath(),
                violations: ["rule \(status)", "second"]
            )
            #expect(answer == .answered(status: status, retryAfter: nil, problem: problem))
        }
    }

    @Test("502 with Retry-After: 7 gives seconds(7)")
    func badGatewayRetryAfterSeconds() async throws {
        try await Fixture.with { fixture in
            fixture.standIn.script(Fixture.taskID, [.status(502, retryAfter: "7")])
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            let problem = ProblemDetail(
                type: "about:blank",
                title: "Bad Gateway",
                status: 502,
                detail: "Bad Gateway.",
                instance: fixture.stopPath(),
                violations: []
            )
            #expect(answer == .answered(status: 502, retryAfter: .seconds(7), problem: problem))
        }
    }

    @Test("429 and 503 with an HTTP-date Retry-After", arguments: [429, 503])
    func retryAfterDate(status: Int) async throws {
        try await Fixture.with { fixture in
            fixture.standIn.script(Fixture.taskID, [.status(status, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT")])
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            guard case .answered(let got, let retryAfter, let problem) = answer else {
                Issue.record("expected an answer, got \(answer)")
                return
            }
            #expect(got == status)
            #expect(retryAfter == .date(Date(timeIntervalSince1970: 1_792_567_680)))
            #expect(problem?.status == status)
        }
    }

    @Test("an answer slower than the request timeout fails as a timeout, exactly when the timeout runs out")
    func timeout() async throws {
        let timeouts = ManualClock()
        try await Fixture.with(requestTimeout: .milliseconds(300), timeoutClock: timeouts) { fixture in
            // The answer is held past the end of the test: only the timeout can end the call.
            fixture.standIn.script(Fixture.taskID, [.delayed(.seconds(60), .accepted)])
            let sent = timeouts.now()
            let client = fixture.client
            let call = Task { await client.stop(taskID: Fixture.taskID, freshToken: false) }
            // The request is at the stand-in and the call sleeps until its timeout, sent + 300 ms, and not before.
            _ = try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(20))
            try await withBound(.seconds(20), "the request timeout to be armed") { await timeouts.waitForSleeper() }
            #expect(timeouts.earliestDeadline == sent.adding(.milliseconds(300)))
            timeouts.advance(by: .milliseconds(299))
            #expect(timeouts.sleeperCount == 1)
            timeouts.advance(by: .milliseconds(1))
            let answer = try await withBound(.seconds(20), "the call to time out") { await call.value }
            #expect(answer == .failed(reason: "the Maia API did not answer within the request timeout"))
        }
    }

    @Test("a dropped connection fails with a reason")
    func droppedConnection() async throws {
        try await Fixture.with { fixture in
            fixture.standIn.script(Fixture.taskID, [.dropConnection])
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            let reason = "could not reach the Maia API: the server closed the connection without answering"
            #expect(answer == .failed(reason: reason))
            // The next attempt opens a new connection and succeeds.
            #expect(
                await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
                    == .succeeded(status: 204, NoContent())
            )
        }
    }

    @Test("nothing listening fails with connection refused")
    func connectionRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let maia = try await StandInWithToken.start(in: directory.path)
        try await maia.shutdown()
        let transport = HTTPTransport(version: Fixture.version)
        let client = MaiaAPIClient(
            baseURL: maia.baseURL,
            requestTimeout: .seconds(5),
            transport: transport,
            tokens: StaticTokenProvider(file: maia.tokenFile)
        )
        let answer = await client.stop(taskID: Fixture.taskID, freshToken: false)
        try await transport.shutdown()
        #expect(answer == .failed(reason: "could not reach the Maia API: connection refused"))
    }

    @Test("an unknown token gets 401 with a problem, and is recorded")
    func unknownToken() async throws {
        try await Fixture.with(token: "wrong-token") { fixture in
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            let problem = ProblemDetail(
                type: "about:blank",
                title: "Unauthorized",
                status: 401,
                detail: "Missing or invalid authentication token.",
                instance: fixture.stopPath(),
                violations: []
            )
            #expect(answer == .answered(status: 401, retryAfter: nil, problem: problem))
            let requests = try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(5))
            #expect(requests.map(\.bearerToken) == ["wrong-token"])
            #expect(requests.map(\.authorization) == ["Bearer wrong-token"])
        }
    }

    @Test("a 401 re-reads the token file; without one the cached token is used, freshToken or not")
    func freshTokenRereadsFile() async throws {
        try await Fixture.with(token: "token-one", acceptedTokens: ["token-one", "token-two"]) { fixture in
            #expect(
                await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
                    == .succeeded(status: 204, NoContent())
            )
            try fixture.directory.write("maia-token", "token-two\n")
            _ = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            // No 401 yet: the cached token was never refused, so a fresh one is not needed.
            _ = await fixture.client.stop(taskID: Fixture.taskID, freshToken: true)
            fixture.standIn.setAcceptedTokens(["token-two"])
            _ = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            _ = await fixture.client.stop(taskID: Fixture.taskID, freshToken: true)
            let requests = try await fixture.standIn.waitForRequests(count: 5, timeout: .seconds(5))
            #expect(
                requests.map(\.bearerToken) == ["token-one", "token-one", "token-one", "token-one", "token-two"])
            #expect(requests.map(\.answer.finalStatus) == [204, 204, 204, 401, 204])
        }
    }

    @Test("a 401 followed by a fresh token after rotation succeeds")
    func rotationAfter401() async throws {
        try await Fixture.with(token: "old-token", acceptedTokens: ["new-token"]) { fixture in
            let first = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            guard case .answered(status: 401, _, _) = first else {
                Issue.record("expected 401, got \(first)")
                return
            }
            try fixture.directory.write("maia-token", "new-token")
            #expect(
                await fixture.client.stop(taskID: Fixture.taskID, freshToken: true)
                    == .succeeded(status: 204, NoContent())
            )
        }
    }

    @Test("a taskId that is not a UUID gets 400 with a violation")
    func notAUUID() async throws {
        try await Fixture.with { fixture in
            let answer = await fixture.client.stop(taskID: "not-a-uuid", freshToken: false)
            let problem = ProblemDetail(
                type: "about:blank",
                title: "Bad Request",
                status: 400,
                detail: "Invalid request.",
                instance: fixture.stopPath("not-a-uuid"),
                violations: ["taskId: must be a valid UUID"]
            )
            #expect(answer == .answered(status: 400, retryAfter: nil, problem: problem))
        }
    }

    @Test("an unknown path gets 404 with a problem")
    func unknownPath() async throws {
        try await Fixture.with(baseURLSuffix: "/elsewhere") { fixture in
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            guard case .answered(404, nil, let problem) = answer else {
                Issue.record("expected 404, got \(answer)")
                return
            }
            #expect(problem?.detail == "No such endpoint.")
            #expect(problem?.instance == "/dpc/elsewhere/v1/ai/agents/tasks/\(Fixture.taskID)/stop")
            let requests = try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(5))
            #expect(requests.first?.taskID == nil)
        }
    }

    @Test("scripted answers are used in order, then the default; connections are kept alive")
    func scriptOrderAndKeepAlive() async throws {
        try await Fixture.with { fixture in
            fixture.standIn.script(Fixture.taskID, [.status(409), .status(504)])
            fixture.standIn.setDefault(.status(404))
            var statuses: [Int] = []
            for _ in 0..<3 {
                if case .answered(let status, _, _) = await fixture.client.stop(taskID: Fixture.taskID) {
                    statuses.append(status)
                }
            }
            #expect(statuses == [409, 504, 404])
            let requests = try await fixture.standIn.waitForRequests(count: 3, timeout: .seconds(5))
            #expect(Set(requests.map(\.remoteAddress)).count == 1)
            #expect(requests.first?.remoteAddress != nil)
        }
    }

    @Test("a missing token file fails without a request")
    func missingTokenFile() async throws {
        try await Fixture.with { fixture in
            try FileManager.default.removeItem(atPath: fixture.tokenFile)
            let answer = await fixture.client.stop(taskID: Fixture.taskID, freshToken: false)
            #expect(answer == .failed(reason: "no API token: the API token file \(fixture.tokenFile) does not exist"))
            #expect(fixture.standIn.requests.isEmpty)
        }
    }

    @Test("waitForRequests throws after its timeout")
    func waitTimesOut() async throws {
        try await Fixture.with { fixture in
            await #expect(throws: MaiaStandInError.timedOut(expected: 1, received: 0)) {
                try await fixture.standIn.waitForRequests(count: 1, timeout: .milliseconds(100))
            }
        }
    }
}
