/// Why no API token is available. The text names the file, never its content.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token file does not exist.
    case missing(path: String)
    /// The token file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The token file is empty or only whitespace.
    case empty(path: String)
    /// The token contains whitespace or control characters inside it, which cannot go into an HTTP header.
    case malformed(path: String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .missing(let path):
            return "the API token file \(path) does not exist"
        case .unreadable(let path, let reason):
            return "the API token file \(path) could not be read: \(reason)"
        case .empty(let path):
            return "the API token file \(path) is empty"
        case .malformed(let path):
            return "the API token in \(path) contains spaces or control characters inside it"
        }
    }
}
