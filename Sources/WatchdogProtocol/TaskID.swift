/// A Maia AI agent task identifier: a UUID in `8-4-4-4-12` hex form.
///
/// Accepted in any case; always reported, logged and sent to Maia in lower case.
///
/// Held as its 128 bits (two words inline, no allocation), not as text: every tracked task keeps
/// its ID in the table, the deadline queue and the record, and a 36-byte `String` would cost a heap
/// allocation of 80 bytes per task and slower hashing (see docs/performance.md). The text is made
/// when asked for (`rawValue`, `description`). Ordering by the words equals ordering by the
/// lower-case text.
public struct TaskID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    private let high: UInt64
    private let low: UInt64

    /// Parses `text` as a UUID; `nil` when it is not one.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        (high, low) = parsed
    }

    /// Parses `text` as a UUID; `nil` when it is not one.
    public init?(_ text: Substring) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        (high, low) = parsed
    }

    /// The two words of a UUID's text, or `nil`. Over contiguous bytes (not a generic string
    /// view): the store reads 100,000 IDs at start.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if digits < 16 {
                high = high << 4 | UInt64(value)
            } else {
                low = low << 4 | UInt64(value)
            }
            digits += 1
        }
        return (high, low)
    }

    /// The canonical, lower-case text of the ID.
    public var rawValue: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let hex: StaticString = "0123456789abcdef"
            var position = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = digit < 16 ? high : low
                let shift = UInt64(60 - 4 * (digit % 16))
                buffer[position] = hex.utf8Start[Int((word >> shift) & 0xF)]
                position += 1
            }
            return 36
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

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
