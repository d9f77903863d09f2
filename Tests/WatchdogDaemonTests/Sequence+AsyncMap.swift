extension Sequence where Element: Sendable {
    /// `map` with an async transform, in order, one element at a time.
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
