import Foundation
import NIOCore
import Synchronization

/// The stand-in's shared state: scripts, accepted tokens, recorded requests, waiters and open connections. Every
/// channel handler and the public API reach it through one `Mutex`; nothing is held across an `await`.
final class StandInCore: Sendable {
    struct Waiter {
        var count: Int
        var continuation: CheckedContinuation<[RecordedRequest], any Error>
        var timeout: Scheduled<Void>?
    }

    struct State {
        var scripts: [String: [ScriptedAnswer]] = [:]
        var defaultAnswer: ScriptedAnswer = .accepted
        var acceptedTokens: Set<String>
        var requests: [RecordedRequest] = []
        var waiters: [Int: Waiter] = [:]
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        var connections: [ObjectIdentifier: any Channel] = [:]
        var isShutDown = false
    }

    let state: Mutex<State>
    let router: Router
    let onRequest: (@Sendable (RecordedRequest) -> Void)?

    init(basePath: String, acceptedTokens: Set<String>, onRequest: (@Sendable (RecordedRequest) -> Void)?) {
        self.state = Mutex(State(acceptedTokens: acceptedTokens))
        self.router = Router(basePath: basePath)
        self.onRequest = onRequest
    }

    /// What to send back for one complete request head, with any extra response headers.
    struct Reply {
        var answer: ScriptedAnswer
        var extraHeaders: [(String, String)] = []
    }

    /// Decides the answer to a request, records it, and wakes the waiters it satisfies.
    func handle(
        method: String,
        target: String,
        headers: [(name: String, value: String)],
        remoteAddress: String?
    ) -> Reply {
        let authorization = headers.first { $0.name.lowercased() == "authorization" }?.value
        let bearer = authorization.flatMap(Self.bearerToken)
        let endpoint = self.router.match(target)
        var taskID: String?
        if case .stopTask(let id) = endpoint {
            taskID = id
        }
        let now = Date()
        let monotonic = ContinuousClock.now

        let (reply, request, ready) = self.state.withLock { state in
            let reply = Self.decide(
                method: method,
                endpoint: endpoint,
                bearer: bearer,
                state: &state
            )
            let request = RecordedRequest(
                method: method,
                path: target,
                taskID: taskID,
                authorization: authorization,
                bearerToken: bearer,
                headers: headers,
                remoteAddress: remoteAddress,
                answer: reply.answer,
                receivedAt: now,
                monotonic: monotonic
            )
            state.requests.append(request)
            var ready: [Waiter] = []
            for (id, waiter) in state.waiters where waiter.count <= state.requests.count {
                ready.append(waiter)
                state.waiters[id] = nil
            }
            return (reply, request, (ready, state.requests))
        }
        for waiter in ready.0 {
            waiter.timeout?.cancel()
            waiter.continuation.resume(returning: ready.1)
        }
        self.onRequest?(request)
        return reply
    }

    private static func decide(
        method: String,
        endpoint: Endpoint?,
        bearer: String?,
        state: inout State
    ) -> Reply {
        guard let endpoint else {
            return Reply(answer: .status(404, detail: "No such endpoint."))
        }
        guard endpoint.allowedMethods.contains(method) else {
            return Reply(
                answer: .status(405, detail: "Use \(endpoint.allowedMethods.joined(separator: ", "))."),
                extraHeaders: [("Allow", endpoint.allowedMethods.joined(separator: ", "))]
            )
        }
        guard let bearer, state.acceptedTokens.contains(bearer) else {
            return Reply(
                answer: .status(401, detail: "Missing or invalid authentication token."),
                extraHeaders: [("WWW-Authenticate", "Bearer")]
            )
        }
        switch endpoint {
        case .stopTask(let taskID):
            guard Self.isUUID(taskID) else {
                return Reply(
                    answer: .status(
                        400,
                        detail: "Invalid request.",
                        violations: ["taskId: must be a valid UUID"]
                    )
                )
            }
            let key = taskID.lowercased()
            if var answers = state.scripts[key], !answers.isEmpty {
                let answer = answers.removeFirst()
                state.scripts[key] = answers.isEmpty ? nil : answers
                return Reply(answer: answer)
            }
            return Reply(answer: state.defaultAnswer)
        }
    }

    /// The token of `Bearer <token>` (scheme compared case-insensitively), else `nil`.
    static func bearerToken(_ authorization: String) -> String? {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// `8-4-4-4-12` hexadecimal digits, in any case.
    static func isUUID(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return false }
        for (index, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex =
                    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
                guard isHex else { return false }
            }
        }
        return true
    }
}
