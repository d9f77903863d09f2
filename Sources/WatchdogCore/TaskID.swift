/// A Maia AI agent task identifier: a UUID in `8-4-4-4-12` hex form.
///
/// Accepted in any case; always reported, logged and sent to Maia in lower case.
public struct TaskID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The canonical, lower-case text of the ID.
    public let rawValue: String

    /// Parses `text` as a UUID; `nil` when it is not one.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var lowered = [UInt8]()
        lowered.reserveCapacity(36)
        for (index, byte) in utf8.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
                lowered.append(byte)
            default:
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                    lowered.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    lowered.append(byte + 32)
                default:
                    return nil
                }
            }
        }
        self.rawValue = String(decoding: lowered, as: UTF8.self)
    }

    public var description: String { rawValue }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = TaskID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a task UUID: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
