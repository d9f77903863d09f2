import Foundation
import MaiaStandIn

/// A Maia stand-in on loopback and a token file for it: what every test that talks to "Maia" starts with.
///
/// ``start(in:token:acceptedTokens:tokenEndpoint:)`` starts the stand-in and writes `token` (and a newline, as a
/// credential file usually ends) to `maia-token` in a directory; ``shutdown()`` stops the stand-in. The directory
/// is the caller's (it is created if missing, never removed here).
public struct StandInWithToken: Sendable {
    /// The running stand-in, to script answers and read what it received.
    public let standIn: MaiaStandIn
    /// The token in ``tokenFile``.
    public let token: String
    /// The token file's path: `maia-token` in the directory given to `start`.
    public let tokenFile: String

    /// The base URL to configure clients with, e.g. `http://127.0.0.1:41234/dpc`.
    public var baseURL: String { standIn.baseURL }
    /// The token endpoint's URL, when started with one.
    public var tokenURL: String? { standIn.tokenURL }

    /// A token no other test run uses: `prefix-` and a random number.
    public static func randomToken(_ prefix: String = "test-token") -> String {
        "\(prefix)-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Starts a stand-in that accepts `acceptedTokens` (by default just `token`) and, if given, serves the OAuth
    /// token endpoint; writes `token` to `directory/maia-token`. If the file cannot be written the stand-in is
    /// shut down again before the error is thrown.
    public static func start(
        in directory: String,
        token: String = StandInWithToken.randomToken(),
        acceptedTokens: Set<String>? = nil,
        tokenEndpoint: TokenEndpointConfiguration? = nil
    ) async throws -> StandInWithToken {
        let standIn = try await MaiaStandIn.start(
            acceptedTokens: acceptedTokens ?? [token], tokenEndpoint: tokenEndpoint)
        let tokenFile = directory + "/maia-token"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile), options: .atomic)
        } catch {
            try? await standIn.shutdown()
            throw error
        }
        return StandInWithToken(standIn: standIn, token: token, tokenFile: tokenFile)
    }

    /// Stops the stand-in.
    public func shutdown() async throws {
        try await standIn.shutdown()
    }
}
