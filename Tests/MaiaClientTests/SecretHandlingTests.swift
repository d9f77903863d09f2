import Foundation
import MaiaClient
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore

/// The bearer token never appears in anything meant for a log.
@Suite("Secret handling")
struct SecretHandlingTests {
    static let secret = "s3cr3t-Bearer-Value-7f1e"

    @Test("no MaiaOutcome, MaiaTransportError, TokenError or MaiaRequest text contains the token")
    func tokenNeverInTexts() async throws {
        var texts: [String] = []
        // Timeouts fire when this clock is moved, never on their own: no answer races them.
        let clock = ManualClock()
        try await Fixture.with(token: Self.secret, requestTimeout: .milliseconds(300), timeoutClock: clock) { fixture in
            // 401 (token not accepted), then a timeout, a dropped connection and a 403.
            texts.append(String(describing: await fixture.client.stop(taskID: Fixture.taskID, freshToken: true)))
            fixture.standIn.setAcceptedTokens([Self.secret])
            // The second answer is held past the end of the test; the request times out when the clock is moved.
            fixture.standIn.script(Fixture.taskID, [.delayed(.seconds(60), .accepted), .dropConnection])
            fixture.standIn.setDefault(.status(403, detail: "forbidden", violations: ["no"]))
            let client = fixture.client
            let held = Task { await client.stop(taskID: Fixture.taskID, freshToken: true) }
            _ = try await fixture.standIn.waitForRequests(count: 2, timeout: .seconds(20))
            try await withBound(.seconds(20), "the request timeout to be armed") { await clock.waitForSleeper() }
            clock.advance(by: .milliseconds(300))
            texts.append(String(describing: try await withBound(.seconds(20), "the timeout") { await held.value }))
            for _ in 0..<2 {
                texts.append(String(describing: await fixture.client.stop(taskID: Fixture.taskID, freshToken: true)))
            }
            let requests = try await fixture.standIn.waitForRequests(count: 4, timeout: .seconds(5))
            #expect(requests.map(\.bearerToken) == Array(repeating: Self.secret, count: 4))
            #expect(requests.map(\.answer.finalStatus) == [401, 204, nil, 403])
            texts += requests.map(\.description)

            // A token that would split the header is refused before sending, without quoting it.
            let injected = MaiaRequest(
                method: .POST,
                url: fixture.standIn.baseURL + "/v1/ai/agents/tasks/\(Fixture.taskID)/stop",
                bearerToken: Self.secret + "\r\nX-Injected: 1",
                body: [],
                timeout: .seconds(5)
            )
            do throws(MaiaTransportError) {
                _ = try await fixture.transport.send(injected)
                Issue.record("a token with CRLF was sent")
            } catch {
                #expect(error == .invalidRequest("the API token is empty or contains spaces or control characters"))
                texts.append(error.description)
            }
            texts.append(injected.description)
            texts.append(String(reflecting: injected))
        }

        // Token errors from a file holding the secret in a malformed way.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("maia-token", Self.secret + " " + Self.secret)
        do throws(TokenError) {
            _ = try await StaticTokenProvider(file: file).token()
            Issue.record("a malformed token was accepted")
        } catch {
            texts.append(error.description)
        }
        let client = MaiaAPIClient(
            baseURL: "http://127.0.0.1:9",
            requestTimeout: .seconds(1),
            transport: FakeStopTransport(),
            tokens: StaticTokenProvider(file: file)
        )
        texts.append(String(describing: await client.stop(taskID: Fixture.taskID)))

        #expect(texts.count == 13)
        for text in texts {
            #expect(!text.contains(Self.secret), "leaked in: \(text)")
            #expect(!text.contains("s3cr3t"), "leaked in: \(text)")
        }
    }

    @Test("every MaiaTransportError and TokenError reads without the token")
    func errorTexts() {
        let errors: [any Error & CustomStringConvertible] = [
            MaiaTransportError.timedOut,
            MaiaTransportError.connectionFailed("connection refused"),
            MaiaTransportError.invalidRequest("x"),
            MaiaTransportError.protocolError("y"),
            MaiaTransportError.cancelled,
            TokenError.missing(path: "/p"),
            TokenError.unreadable(path: "/p", reason: "permission denied"),
            TokenError.empty(path: "/p"),
            TokenError.malformed(path: "/p"),
        ]
        #expect(
            errors.map(\.description) == [
                "the Maia API did not answer within the request timeout",
                "could not reach the Maia API: connection refused",
                "could not build the stop request: x",
                "the Maia API sent an invalid HTTP answer: y",
                "the stop request was cancelled",
                "the API token file /p does not exist",
                "the API token file /p could not be read: permission denied",
                "the API token file /p is empty",
                "the API token in /p contains spaces or control characters inside it",
            ]
        )
    }
}

/// A transport that must never be reached.
private struct FakeStopTransport: MaiaTransport {
    func send(_ request: MaiaRequest) async throws(MaiaTransportError) -> MaiaResponse {
        Issue.record("the transport was called")
        return MaiaResponse(status: 500)
    }
}
