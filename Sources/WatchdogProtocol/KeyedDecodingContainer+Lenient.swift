extension KeyedDecodingContainer {
    /// The value for `key`, or `nil` when it is missing, `null` or of another type.
    func lenient<Value: Decodable>(_ type: Value.Type, _ key: Key) -> Value? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }

    /// A number of seconds for `key` as a duration, or `nil` when it is missing, `null`, of another type, or beyond
    /// what a `Duration` holds (not finite, or 10^15 s and more, where converting would trap).
    func seconds(_ key: Key) -> Duration? {
        lenient(Double.self, key).flatMap { $0.isFinite && $0.magnitude < 1e15 ? .seconds($0) : nil }
    }
}
