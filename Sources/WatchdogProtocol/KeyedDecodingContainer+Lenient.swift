extension KeyedDecodingContainer {
    /// The value for `key`, or `nil` when it is missing, `null` or of another type.
    func lenient<Value: Decodable>(_ type: Value.Type, _ key: Key) -> Value? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
