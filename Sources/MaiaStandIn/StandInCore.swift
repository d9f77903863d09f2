import Foundation
import NIOCore
import Synchronization

/// The stand-in's shared state: scripts, accepted tokens, recorded requests, waiters and open connections. Every
/// channel handler and the public API reach it through one `Mutex`; nothing is held across an `await`.
final class StandInCore: Sendable {
    struct Waiter {
        var count: Int
        /// Which requests count; `matched` is how many of them have arrived.
        var filter: RequestFilter
        var matched: Int
        var continuation: CheckedContinuation<[RecordedRequest], any Error>
        var timeout: Scheduled<Void>?
    }

    struct State {
        var scripts: [String: [ScriptedAnswer]] = [:]
        var defaultAnswer: ScriptedAnswer = .accepted
        /// The tasks the read endpoints know and the stops change.
        var registry: TaskRegistry
        var acceptedTokens: Set<String>
        var tokenEndpoint: TokenEndpointConfiguration?
        var tokenScript: [TokenAnswer] = []
        var defaultTokenAnswer: TokenAnswer = .issue
        var issuedTokens: [String] = []
        var revokedTokens: Set<String> = []
        var requests: [RecordedRequest] = []
        var waiters: [Int: Waiter] = [:]
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        var connections: [ObjectIdentifier: any Channel] = [:]
        var isShutDown = false
        /// Answers held back (``ScriptedAnswer/held(_:)``), oldest first: each sends its answer when called.
        var held: [@Sendable () -> Void] = []
        /// Releases asked for when fewer answers were held: the next held answers go at once.
        var releaseCredits = 0
    }

    let state: Mutex<State>
    let router: Router
    let onRequest: (@Sendable (RecordedRequest) -> Void)?
    /// The registry's clock, called outside the lock.
    let now: @Sendable () -> Date

    init(
        basePath: String,
        acceptedTokens: Set<String>,
        tokenEndpoint: TokenEndpointConfiguration?,
        registry: TaskRegistryConfiguration = .setTasksOnly,
        onRequest: (@Sendable (RecordedRequest) -> Void)?
    ) {
        self.state = Mutex(
            State(
                registry: TaskRegistry(configuration: registry), acceptedTokens: acceptedTokens,
                tokenEndpoint: tokenEndpoint))
        self.router = Router(basePath: basePath, tokenPath: tokenEndpoint?.path)
        self.onRequest = onRequest
        self.now = registry.now
    }

    /// Holds an answer back until ``MaiaStandIn/releaseHeld(_:)`` calls `send`.
    func hold(_ send: @escaping @Sendable () -> Void) {
        let now = self.state.withLock { state -> Bool in
            if state.releaseCredits > 0 {
                state.releaseCredits -= 1
                return true
            }
            state.held.append(send)
            return false
        }
        if now { send() }
    }

    /// What to send back for one complete request head, with any extra response headers.
    struct Reply {
        var answer: ScriptedAnswer
        var extraHeaders: [(String, String)] = []
        /// A body that replaces the problem detail (the token endpoint's JSON), with its content type.
        var body: (contentType: String, bytes: [UInt8])?
        /// The task status a read answered with.
        var taskStatus: String?
    }

    /// Decides the answer to a request, records it, and wakes the waiters it satisfies.
    func handle(
        method: String,
        target: String,
        headers: [(name: String, value: String)],
        body: [UInt8] = [],
        remoteAddress: String?
    ) -> Reply {
        let authorization = headers.first { $0.name.lowercased() == "authorization" }?.value
        let bearer = authorization.flatMap(Self.bearerToken)
        let endpoint = self.router.match(target)
        var taskID: String?
        var form: [String: String]?
        switch endpoint {
        case .stopTask(let id)?, .getTask(let id)?:
            taskID = id
        case .token?:
            form = Self.decodeForm(body)
        case .listTasks?, nil:
            break
        }
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value
        let now = Date()
        let registryNow = self.now()
        let monotonic = ContinuousClock.now

        let (reply, request, ready) = self.state.withLock { state in
            let reply = Self.decide(
                method: method,
                target: target,
                endpoint: endpoint,
                bearer: bearer,
                form: form,
                contentType: contentType,
                now: registryNow,
                state: &state
            )
            let request = RecordedRequest(
                kind: endpoint?.kind ?? .other,
                method: method,
                path: target,
                taskID: taskID,
                authorization: authorization,
                bearerToken: bearer,
                headers: headers,
                remoteAddress: remoteAddress,
                form: form,
                answer: reply.answer,
                taskStatus: reply.taskStatus,
                receivedAt: now,
                monotonic: monotonic
            )
            state.requests.append(request)
            var ready: [(Waiter, [RecordedRequest])] = []
            for (id, var waiter) in state.waiters where waiter.filter.matches(request) {
                waiter.matched += 1
                if waiter.matched >= waiter.count {
                    ready.append((waiter, waiter.filter.select(state.requests)))
                    state.waiters[id] = nil
                } else {
                    state.waiters[id] = waiter
                }
            }
            return (reply, request, ready)
        }
        for (waiter, requests) in ready {
            waiter.timeout?.cancel()
            waiter.continuation.resume(returning: requests)
        }
        self.onRequest?(request)
        return reply
    }

    private static func decide(
        method: String,
        target: String,
        endpoint: Endpoint?,
        bearer: String?,
        form: [String: String]?,
        contentType: String?,
        now: Date,
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
        if endpoint == .token {
            return Self.decideToken(form: form, contentType: contentType, state: &state)
        }
        guard let bearer, Self.accepts(bearer, state: state) else {
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
            var scripted: ScriptedAnswer?
            if var answers = state.scripts[key], !answers.isEmpty {
                scripted = answers.removeFirst()
                state.scripts[key] = answers.isEmpty ? nil : answers
            }
            let answer = state.registry.stop(
                taskID, scripted: scripted, defaultAnswer: state.defaultAnswer, now: now)
            return Reply(answer: answer)
        case .getTask(let taskID):
            guard Self.isUUID(taskID) else {
                return Reply(
                    answer: .status(400, detail: "Invalid request.", violations: ["taskId: must be a valid UUID"]))
            }
            return Reply(state.registry.read(taskID, now: now))
        case .listTasks:
            return Reply(state.registry.list(target: target, now: now))
        case .token:
            return Reply(answer: .status(500))
        }
    }

    /// A configured token, or one the token endpoint issued and that was not revoked.
    static func accepts(_ bearer: String, state: State) -> Bool {
        if state.acceptedTokens.contains(bearer) { return true }
        return state.issuedTokens.contains(bearer) && !state.revokedTokens.contains(bearer)
    }

    /// The token endpoint, as an OAuth 2.0 server answers a client-credentials grant (RFC 6749 §4.4, §5.2): a form
    /// body, `grant_type=client_credentials`, the configured client, and the audience; then the scripted answer.
    static func decideToken(form: [String: String]?, contentType: String?, state: inout State) -> Reply {
        func oauthError(_ status: Int, _ code: String) -> Reply {
            let body = Array(#"{"error":"\#(code)"}"#.utf8)
            return Reply(answer: .status(status), body: ("application/json", body))
        }
        guard let configuration = state.tokenEndpoint else { return Reply(answer: .status(404)) }
        guard let contentType, contentType.lowercased().hasPrefix("application/x-www-form-urlencoded"),
            let form
        else {
            return oauthError(400, "invalid_request")
        }
        guard form["grant_type"] == "client_credentials" else {
            return oauthError(400, "unsupported_grant_type")
        }
        guard form["client_id"] == configuration.clientID, form["client_secret"] == configuration.clientSecret else {
            return Reply(
                answer: .status(401), extraHeaders: [("WWW-Authenticate", "Basic")],
                body: ("application/json", Array(#"{"error":"invalid_client"}"#.utf8)))
        }
        if let audience = configuration.audience, form["audience"] != audience {
            return oauthError(400, "invalid_request")
        }
        let answer = state.tokenScript.isEmpty ? state.defaultTokenAnswer : state.tokenScript.removeFirst()
        switch answer {
        case .fail(let failure):
            return Reply(answer: failure)
        case .issue(let expiresIn):
            let token = "standin-\(state.issuedTokens.count + 1)-\(UInt64.random(in: 0...UInt64.max))"
            state.issuedTokens.append(token)
            let body = #"{"access_token":"\#(token)","expires_in":\#(expiresIn),"token_type":"Bearer"}"#
            return Reply(answer: .status(200), body: ("application/json", Array(body.utf8)))
        }
    }

    /// Decodes `application/x-www-form-urlencoded` text (`+` is a space); `nil` when it is not UTF-8.
    static func decodeForm(_ body: [UInt8]) -> [String: String]? {
        guard let text = String(validating: body, as: UTF8.self) else { return nil }
        var form: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            form[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return form
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

extension StandInCore.Reply {
    /// The reply for an answer the registry decided; its body is JSON.
    init(_ answer: TaskRegistry.Answer) {
        self.init(
            answer: answer.answer, body: answer.body.map { ("application/json", $0) }, taskStatus: answer.taskStatus)
    }
}
