import FoundationEssentials
import Glibc

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
    /// The OAuth token endpoint gave no usable token; the reason is short text (an HTTP status, an OAuth `error` code,
    /// a transport failure) without secrets.
    case endpointFailed(url: String, reason: String)
    /// The token endpoint failed recently and the provider is backing off; no request was made.
    case backingOff(url: String, reason: String, until: Date)

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
        case .endpointFailed(let url, let reason):
            return "could not get an API token from \(url): \(reason)"
        case .backingOff(let url, let reason, let until):
            return "could not get an API token from \(url): \(reason); next try after \(until.formatted(.iso8601))"
        }
    }
}
