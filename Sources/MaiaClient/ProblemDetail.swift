import FoundationEssentials
import Glibc

/// An RFC 9457 problem detail as Maia sends it with `application/problem+json`:
/// `{type, title, status, detail, instance, violations[]}`.
///
/// Decoding is lenient: a field of the wrong type is dropped rather than failing the whole body, because the useful
/// parts (`detail`, `violations`) should reach the log even when another field is odd. ``decode(_:)`` never throws.
public struct ProblemDetail: Sendable, Codable, Equatable {
    /// A URI reference that identifies the problem type.
    public var type: String?
    /// A short, human-readable summary of the problem type.
    public var title: String?
    /// The HTTP status code the server generated for this occurrence.
    public var status: Int?
    /// A human-readable explanation specific to this occurrence.
    public var detail: String?
    /// A URI reference that identifies this occurrence.
    public var instance: String?
    /// Maia's list of what was wrong with the request.
    public var violations: [String]?

    /// Creates a problem detail.
    public init(
        type: String? = nil,
        title: String? = nil,
        status: Int? = nil,
        detail: String? = nil,
        instance: String? = nil,
        violations: [String]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.violations = violations
    }

    private enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, violations
    }

    /// Decodes leniently: each field that is missing or has the wrong type becomes `nil`. Only a body that is not a
    /// JSON object throws.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try? container.decodeIfPresent(String.self, forKey: .type)
        self.title = try? container.decodeIfPresent(String.self, forKey: .title)
        if let status = try? container.decodeIfPresent(Int.self, forKey: .status) {
            self.status = status
        } else if let text = try? container.decodeIfPresent(String.self, forKey: .status) {
            self.status = Int(text)
        } else {
            self.status = nil
        }
        self.detail = try? container.decodeIfPresent(String.self, forKey: .detail)
        self.instance = try? container.decodeIfPresent(String.self, forKey: .instance)
        self.violations = try? container.decodeIfPresent([String].self, forKey: .violations)
    }

    /// The problem detail in `body`, or `nil` when the body is empty, is not a JSON object, or has none of the known
    /// fields (e.g. an HTML error page from a proxy).
    public static func decode(_ body: [UInt8]) -> ProblemDetail? {
        guard !body.isEmpty else { return nil }
        guard let problem = try? JSONDecoder().decode(ProblemDetail.self, from: Data(body)) else { return nil }
        return problem == ProblemDetail() ? nil : problem
    }
}

extension ProblemDetail: CustomStringConvertible {
    /// `detail` (or else `title`) followed by the violations, for one log line.
    public var description: String {
        var text = self.detail ?? self.title ?? "no detail"
        if let violations = self.violations, !violations.isEmpty {
            text += " (violations: \(violations.joined(separator: "; ")))"
        }
        return text
    }
}
