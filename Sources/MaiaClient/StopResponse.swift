/// What Maia answered to one Stop call.
///
/// Headers are kept as plain name/value pairs (rather than NIOHTTP1's `HTTPHeaders`) so that test doubles in other
/// modules can build responses without importing NIO.
public struct StopResponse: Sendable {
    /// The most bytes of a response body kept; the rest is read and discarded. Problem details are small.
    public static let maximumBodySize = 64 * 1024

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
}
