import Foundation
import MaiaClient
import MaiaStandIn
import TestSupport
import WatchdogCore

/// A running stand-in with its token file (`StandInWithToken`), a real HTTP transport, and a client wired together.
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

    /// Runs `body` with a fresh fixture and tears it down afterwards, also when `body` throws. The token file holds
    /// `token`; the stand-in accepts `acceptedTokens`. Request timeouts run on `timeoutClock` (the system clock
    /// unless a test hands in a manual one, to fire a timeout when it says).
    @discardableResult
    static func with<T>(
        token: String = "test-token",
        acceptedTokens: Set<String> = ["test-token"],
        requestTimeout: Duration = .seconds(5),
        timeoutClock: any WallClock = SystemWallClock(),
        baseURLSuffix: String = "",
        _ body: (Fixture) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory()
        let maia: StandInWithToken
        do {
            maia = try await StandInWithToken.start(in: directory.path, token: token, acceptedTokens: acceptedTokens)
        } catch {
            directory.remove()
            throw error
        }
        let transport = HTTPTransport(version: Self.version, clock: timeoutClock)
        let fixture = Fixture(
            standIn: maia.standIn,
            transport: transport,
            directory: directory,
            tokenFile: maia.tokenFile,
            client: MaiaAPIClient(
                baseURL: maia.baseURL + baseURLSuffix,
                requestTimeout: requestTimeout,
                transport: transport,
                tokens: StaticTokenProvider(file: maia.tokenFile)
            )
        )
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fixture))
        } catch {
            result = .failure(error)
        }
        try await transport.shutdown()
        try await maia.shutdown()
        directory.remove()
        return try result.get()
    }
}
