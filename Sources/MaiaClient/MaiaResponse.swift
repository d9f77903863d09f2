/// What a server answered to one request, whatever the status.
///
/// `Retry-After` and the `application/problem+json` body are parsed here and nowhere else (``retryAfter``,
/// ``problem``). Headers are kept as plain name/value pairs (rather than NIOHTTP1's `HTTPHeaders`) so that code in
/// other modules can build responses without importing NIO.
public struct MaiaResponse: Sendable {
    /// The most bytes of a response body kept; the rest is read and discarded. Problem details and task pages of at
    /// most 100 summaries are far smaller.
    public static let maximumBodySize = 1024 * 1024

    /// The HTTP status code.
    public var status: Int
    /// The response headers in the order received.
    public var headers: [(name: String, value: String)]
    /// The response body, at most ``maximumBodySize`` bytes of it.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively as HTTP field names are.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200...299).contains(self.status) }

    /// The parsed `Retry-After` header, `nil` when absent or malformed.
    public var retryAfter: RetryAfter? {
        self.header("Retry-After").flatMap(RetryAfter.parse)
    }

    /// The decoded problem detail, `nil` when the body holds none.
    public var problem: ProblemDetail? {
        ProblemDetail.decode(self.body)
    }
}
