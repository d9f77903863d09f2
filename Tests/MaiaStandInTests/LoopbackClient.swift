import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A plain HTTP client for the stand-in's API under `baseURL`, with the accepted token; it shows each answer as it
/// came (status, headers, body).
struct LoopbackClient: Sendable {
    static let token = "test-token"

    let http: HTTPClient
    let baseURL: String

    /// One answer as received.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        /// The body as a JSON object (`[:]` when it is not one).
        var json: [String: Any] {
            guard let data = self.body.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return [:] }
            return object
        }

        /// The `status` field of a task read.
        var taskStatus: String? { self.json["status"] as? String }

        /// The `taskId`s of a list page, in order.
        var listedIDs: [String] {
            (self.json["tasks"] as? [[String: Any]] ?? []).compactMap { $0["taskId"] as? String }
        }

        /// The `Content-Type` header.
        var contentType: String? { self.headers.first(name: "Content-Type") }
    }

    /// Sends `method` to `path` under the base URL (e.g. `/v1/ai/agents/tasks/…`).
    func send(_ method: HTTPMethod, _ path: String) async throws -> Answer {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await self.http.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    /// `POST …/tasks/{id}/stop`.
    func stop(_ id: String) async throws -> Answer {
        try await self.send(.POST, "/v1/ai/agents/tasks/\(id)/stop")
    }

    /// `GET …/tasks/{id}`.
    func read(_ id: String) async throws -> Answer {
        try await self.send(.GET, "/v1/ai/agents/tasks/\(id)")
    }

    /// The statuses of `count` reads of `id` in a row (`nil` for a read that was not a 200).
    func readStatuses(_ id: String, count: Int) async throws -> [String?] {
        var statuses: [String?] = []
        for _ in 0..<count {
            let answer = try await self.read(id)
            statuses.append(answer.status == 200 ? answer.taskStatus : nil)
        }
        return statuses
    }

    /// `GET …/tasks?` with `query` as given (e.g. `status=RUNNING&page=0&size=100`).
    func list(_ query: String) async throws -> Answer {
        try await self.send(.GET, "/v1/ai/agents/tasks?\(query)")
    }
}
