import AsyncHTTPClient
import Foundation
import MaiaStandIn
import NIOHTTP1
import TestSupport

/// A running stand-in with a task registry on a manual clock, and a ``LoopbackClient`` that talks to it.
struct StandInFixture {
    let standIn: MaiaStandIn
    let clock: ManualClock
    let client: LoopbackClient

    /// Runs `body` against a fresh stand-in (Maia's registry unless `registry` says otherwise, its clock `clock`) and
    /// tears both down afterwards, also when `body` throws.
    static func with(
        registry: (ManualClock) -> TaskRegistryConfiguration = { clock in .init(now: { clock.now() }) },
        _ body: (StandInFixture) async throws -> Void
    ) async throws {
        let clock = ManualClock()
        let standIn = try await MaiaStandIn.start(registry: registry(clock))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = LoopbackClient(http: http, baseURL: standIn.baseURL)
        let result: Result<Void, any Error>
        do {
            result = .success(try await body(StandInFixture(standIn: standIn, clock: clock, client: client)))
        } catch {
            result = .failure(error)
        }
        try await http.shutdown()
        try await standIn.shutdown()
        try result.get()
    }

    func send(_ method: HTTPMethod, _ path: String) async throws -> LoopbackClient.Answer {
        try await self.client.send(method, path)
    }

    func stop(_ id: String) async throws -> LoopbackClient.Answer {
        try await self.client.stop(id)
    }

    func read(_ id: String) async throws -> LoopbackClient.Answer {
        try await self.client.read(id)
    }

    func readStatuses(_ id: String, count: Int) async throws -> [String?] {
        try await self.client.readStatuses(id, count: count)
    }

    func list(_ query: String) async throws -> LoopbackClient.Answer {
        try await self.client.list(query)
    }

    /// A fresh task ID.
    static func newID() -> String {
        UUID().uuidString.lowercased()
    }
}
