/// Order statistics of a sample, by the nearest-rank method.
struct Percentiles {
    private let sorted: [Double]

    init(_ sample: [Double]) { sorted = sample.sorted() }

    var count: Int { sorted.count }

    /// The value at quantile `q` (0...1); `nil` for an empty sample.
    func at(_ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    var p50: Double? { at(0.50) }
    var p99: Double? { at(0.99) }
    var max: Double? { sorted.last }
}
