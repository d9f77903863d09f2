import Foundation

/// The stand-in's endpoints, matched by path.
enum Endpoint: Sendable, Equatable {
    /// `POST {basePath}/v1/ai/agents/tasks/{taskId}/stop`
    case stopTask(taskID: String)
    /// `GET {basePath}/v1/ai/agents/tasks/{taskId}`
    case getTask(taskID: String)
    /// `GET {basePath}/v1/ai/agents/tasks?…`
    case listTasks
    /// `POST {tokenPath}`: the OAuth 2.0 client-credentials grant.
    case token

    /// The methods the endpoint allows, for 405 and `Allow`.
    var allowedMethods: [String] {
        switch self {
        case .stopTask, .token:
            return ["POST"]
        case .getTask, .listTasks:
            return ["GET"]
        }
    }
}

/// A table of path patterns: literal segments and `{parameter}` segments.
struct Router: Sendable {
    private enum Segment: Sendable {
        case literal(String)
        case parameter
    }

    private struct Route: Sendable {
        var segments: [Segment]
        var make: @Sendable ([String]) -> Endpoint
    }

    private let routes: [Route]

    init(basePath: String, tokenPath: String? = nil) {
        let base = basePath.split(separator: "/").map { Segment.literal(String($0)) }
        let tasks: [Segment] = ["v1", "ai", "agents", "tasks"].map { .literal($0) }
        var routes = [
            Route(segments: base + tasks + [.parameter, .literal("stop")], make: { .stopTask(taskID: $0[0]) }),
            Route(segments: base + tasks + [.parameter], make: { .getTask(taskID: $0[0]) }),
            Route(segments: base + tasks, make: { _ in .listTasks }),
        ]
        if let tokenPath {
            let token = tokenPath.split(separator: "/").map { Segment.literal(String($0)) }
            routes.append(Route(segments: token, make: { _ in .token }))
        }
        self.routes = routes
    }

    /// The endpoint for `target` (a request target; the query is ignored), or `nil` for an unknown path.
    func match(_ target: String) -> Endpoint? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path.hasPrefix("/") else { return nil }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { String($0) }
        routes: for route in self.routes where route.segments.count == parts.count {
            var parameters: [String] = []
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let literal):
                    guard literal == part else { continue routes }
                case .parameter:
                    guard !part.isEmpty else { continue routes }
                    parameters.append(part.removingPercentEncodingIfPossible)
                }
            }
            return route.make(parameters)
        }
        return nil
    }
}

extension String {
    fileprivate var removingPercentEncodingIfPossible: String {
        self.removingPercentEncoding ?? self
    }
}
