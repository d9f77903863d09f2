import Foundation

/// One request the stand-in received, whatever it answered (401s and 404s included).
public struct RecordedRequest: Sendable {
    /// Which endpoint the path names: a stop, a task read, a list page, a token request, or another path.
    public let kind: RequestKind
    /// The HTTP method, e.g. `POST`.
    public let method: String
    /// The request target as received (path and query).
    public let path: String
    /// The `{taskId}` path parameter of a stop or a task read (as sent, percent-decoded), else `nil`.
    public let taskID: String?
    /// The `Authorization` header exactly as received.
    public let authorization: String?
    /// The token from an `Authorization: Bearer …` header.
    public let bearerToken: String?
    /// All request headers in order.
    public let headers: [(name: String, value: String)]
    /// The client's address and port, e.g. `[IPv4]127.0.0.1/127.0.0.1:50312`; the same value for two requests means
    /// the client kept the connection alive.
    public let remoteAddress: String?
    /// The decoded `application/x-www-form-urlencoded` body of a token request (it holds the client secret), else
    /// `nil`.
    public let form: [String: String]?
    /// What the stand-in chose to answer.
    public let answer: ScriptedAnswer
    /// The task status a read answered with (a 200 from the registry), else `nil`.
    public let taskStatus: String?
    /// The wall-clock time the request was complete.
    public let receivedAt: Date
    /// The same moment on the monotonic clock, for measuring intervals between attempts.
    public let monotonic: ContinuousClock.Instant

    /// The value of the query parameter `name` (percent-decoded), e.g. `page` of a list request.
    public func query(_ name: String) -> String? {
        guard let text = self.path.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return StandInCore.decodeForm(Array(text.utf8))?[name]
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }
}

extension RecordedRequest: CustomStringConvertible {
    /// One log line, without the token or form: `POST /dpc/v1/ai/agents/tasks/…/stop -> 204`.
    public var description: String {
        "\(self.method) \(self.path) -> \(self.answer)"
    }
}

/// Which recorded requests a wait or a query is about: of one kind, for one task, or all.
struct RequestFilter: Sendable {
    var kind: RequestKind?
    /// Lower-case.
    var taskID: String?

    init(kind: RequestKind?, taskID: String?) {
        self.kind = kind
        self.taskID = taskID?.lowercased()
    }

    func matches(_ request: RecordedRequest) -> Bool {
        if let kind = self.kind, request.kind != kind { return false }
        if let taskID = self.taskID, request.taskID?.lowercased() != taskID { return false }
        return true
    }

    /// The requests that match, in order (all of them without a filter).
    func select(_ requests: [RecordedRequest]) -> [RecordedRequest] {
        self.kind == nil && self.taskID == nil ? requests : requests.filter(self.matches)
    }
}
