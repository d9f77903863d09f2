import Foundation
import MaiaClient
import MaiaStandIn
import TestSupport
import WatchdogCore

/// A running stand-in, a real HTTP transport, a token file, and a client wired together.
struct Fixture {
    static let taskID = "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"
    static let version = "9.8.7-test"

    let standIn: MaiaStandIn
    let transport: HTTPTransport
    let directory: TemporaryDirectory
    let tokenFile: String
    let client: MaiaAPIClient

    /// The path the stand-in sees for a stop of `taskID`.
    func stopPath(_ taskID: String = Fixture.taskID) -> String {
        "/dpc/v1/ai/agents/tasks/\(taskID)/stop"
    }

    /// Runs `body` with a fresh fixture and tears it down afterwards, also when `body` throws. Request timeouts run on
    /// `timeoutClock` (the system clock unless a test hands in a manual one, to fire a timeout when it says).
    @discardableResult
    static func with<T>(
        token: String = "test-token\n",
        acceptedTokens: Set<String> = ["test-token"],
        requestTimeout: Duration = .seconds(5),
        timeoutClock: any WallClock = SystemWallClock(),
        baseURLSuffix: String = "",
        _ body: (Fixture) async throws -> T
    ) async throws -> T {
        let standIn = try await MaiaStandIn.start(acceptedTokens: acceptedTokens)
        let transport = HTTPTransport(version: Self.version, clock: timeoutClock)
        let directory = try TemporaryDirectory()
        let fixture: Fixture
        do {
            let tokenFile = try directory.write("maia-token", token)
            fixture = Fixture(
                standIn: standIn,
                transport: transport,
                directory: directory,
                tokenFile: tokenFile,
                client: MaiaAPIClient(
                    baseURL: standIn.baseURL + baseURLSuffix,
                    requestTimeout: requestTimeout,
                    transport: transport,
                    tokens: StaticTokenProvider(file: tokenFile)
                )
            )
        } catch {
            try await transport.shutdown()
            try await standIn.shutdown()
            directory.remove()
            throw error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fixture))
        } catch {
            result = .failure(error)
        }
        try await transport.shutdown()
        try await standIn.shutdown()
        directory.remove()
        return try result.get()
    }
}
