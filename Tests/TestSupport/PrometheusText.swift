/// A small, strict reader of Prometheus' text exposition format (0.0.4), for tests: it checks what a scraper relies
/// on and gives the samples back. Checked: every line is a `# HELP`, a `# TYPE` or a sample; names and label names are
/// valid; a family's `# TYPE` comes before its samples and once; samples of a counter end in `_total`; a histogram
/// has `_bucket` samples with ascending `le` up to `+Inf`, and `_sum` and `_count` (equal to the `+Inf` bucket); label
/// values are quoted and escaped; values are numbers.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Problem: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public private(set) var samples: [Sample] = []
    /// Family name → `counter`, `gauge`, `histogram`, …
    public private(set) var types: [String: String] = [:]
    /// Family name → help text.
    public private(set) var help: [String: String] = [:]

    public init(_ text: String) throws(Problem) {
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty {
                guard number == text.split(separator: "\n", omittingEmptySubsequences: false).count else {
                    throw Problem(line: number, message: "empty line")
                }
                continue
            }
            do {
                try read(line, number)
            } catch {
                throw Problem(line: number, message: "\(error.message): \(line.prefix(300))")
            }
        }
        guard text.isEmpty || text.hasSuffix("\n") else { throw Problem(line: number, message: "no final line feed") }
        try checkHistograms()
    }

    /// The value of the one sample named `name` with exactly these labels, if there is one.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum of the samples named `name` whose labels include `labels`.
    public func sum(_ name: String, where labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    private mutating func read(_ line: Substring, _ number: Int) throws(Problem) {
        if line.hasPrefix("# HELP ") {
            let rest = line.dropFirst(7)
            let name = rest.prefix { $0 != " " }
            try Self.checkName(name, number)
            guard help[String(name)] == nil else { throw Problem(line: number, message: "second HELP for \(name)") }
            help[String(name)] = String(rest.dropFirst(name.count + 1))
        } else if line.hasPrefix("# TYPE ") {
            let parts = line.dropFirst(7).split(separator: " ")
            guard parts.count == 2 else { throw Problem(line: number, message: "malformed TYPE line") }
            try Self.checkName(parts[0], number)
            guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else {
                throw Problem(line: number, message: "unknown type \(parts[1])")
            }
            guard types[String(parts[0])] == nil else {
                throw Problem(line: number, message: "second TYPE for \(parts[0])")
            }
            guard !samples.contains(where: { Self.family(of: $0.name, in: [String(parts[0]): ""]) != nil }) else {
                throw Problem(line: number, message: "TYPE of \(parts[0]) after its samples")
            }
            types[String(parts[0])] = String(parts[1])
        } else if line.hasPrefix("#") {
            throw Problem(line: number, message: "unknown comment \(line)")
        } else {
            try readSample(line, number)
        }
    }

    private mutating func readSample(_ line: Substring, _ number: Int) throws(Problem) {
        let name = line.prefix { $0 != "{" && $0 != " " }
        try Self.checkName(name, number)
        var rest = line.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = rest.prefix { $0 != "=" }
                try Self.checkName(label, number, label: true)
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else {
                    throw Problem(line: number, message: "label \(label) is not quoted")
                }
                rest = rest.dropFirst(2)
                var value = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        switch character {
                        case "n": value.append("\n")
                        case "\\", "\"": value.append(character)
                        default: throw Problem(line: number, message: "bad escape \\\(character)")
                        }
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: String(label)) == nil else {
                    throw Problem(line: number, message: "label \(label) twice")
                }
                if rest.first == "," { rest = rest.dropFirst() }
                guard !rest.isEmpty else { throw Problem(line: number, message: "unterminated labels") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Problem(line: number, message: "no value") }
        let valueText = rest.dropFirst()
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(valueText) else {
                throw Problem(line: number, message: "value \(valueText) is not a number")
            }
            value = parsed
        }
        guard let family = Self.family(of: String(name), in: types) else {
            throw Problem(line: number, message: "sample \(name) before (or without) its TYPE")
        }
        if types[family] == "counter" && !name.hasSuffix("_total") {
            throw Problem(line: number, message: "counter sample \(name) does not end in _total")
        }
        samples.append(Sample(name: String(name), labels: labels, value: value))
    }

    /// The family a sample name belongs to: itself, or for a histogram its name without `_bucket`, `_sum`, `_count`.
    private static func family(of name: String, in types: [String: String]) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" { return base }
        }
        return nil
    }

    private func checkHistograms() throws(Problem) {
        for (family, type) in types where type == "histogram" {
            var series: [[String: String]: [(Double, Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                guard let le = sample.labels["le"], let bound = le == "+Inf" ? .infinity : Double(le) else {
                    throw Problem(line: 0, message: "\(family)_bucket without a numeric le")
                }
                var labels = sample.labels
                labels["le"] = nil
                series[labels, default: []].append((bound, sample.value))
            }
            for (labels, buckets) in series {
                guard buckets.map(\.0) == buckets.map(\.0).sorted(), buckets.last?.0 == .infinity else {
                    throw Problem(line: 0, message: "\(family) \(labels): buckets not ascending to +Inf")
                }
                guard zip(buckets, buckets.dropFirst()).allSatisfy({ $0.1 <= $1.1 }) else {
                    throw Problem(line: 0, message: "\(family) \(labels): bucket counts decrease")
                }
                guard value(family + "_count", labels) == buckets.last?.1, value(family + "_sum", labels) != nil else {
                    throw Problem(line: 0, message: "\(family) \(labels): _count differs from +Inf, or no _sum")
                }
            }
        }
    }

    private static func checkName(_ name: Substring, _ line: Int, label: Bool = false) throws(Problem) {
        let valid =
            !name.isEmpty && !(name.first?.isNumber ?? true)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || (!label && $0 == ":")) }
        guard valid else { throw Problem(line: line, message: "invalid \(label ? "label" : "metric") name \(name)") }
    }
}
