import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// No bytes in a policy file may take the daemon down: `--check` and a `SIGHUP` reload run the whole of
/// `PolicyParser.parse` (TOML parser, validator, time spans) on whatever the file holds, and a trap there is a crash.
@Suite("Policy parsing survives any text")
struct PolicyFuzzTests {
    /// TOMLKit 0.6.0 aborted on these two bytes (SIGABRT, an assertion in toml++'s `parse_key`).
    @Test("the bytes that aborted TOMLKit, [ and a line feed, are a located syntax error")
    func openBracketNewline() {
        #expect(
            PolicyParser.parse("[\n", path: "x.toml").failure?.description
                == "x.toml:1:2: expected a table name after '[', found the end of the line")
        #expect(
            PolicyParser.parse("[", path: "x.toml").failure?.description
                == "x.toml:1:2: expected a table name after '[', found the end of the file")
    }

    /// Found by `mutatedPolicies`: the `--check` summary multiplied a `Duration` by the multiplier, which traps once
    /// the product leaves the range of `Duration` (`multiplier = 1e300`).
    @Test("a huge retry multiplier is summarised without overflowing a Duration")
    func hugeMultiplierSummary() throws {
        let policy = try PolicyParser.parse("allow = [\"*\"]\n[retry]\nmultiplier = 1e300\n", path: "p").get()
        #expect(policy.retry.multiplier == 1e300)
        #expect(policy.summary(path: "p").contains("retry backoff     up to 1s, then 1min (full jitter)\n"))
        // Products that fit in a Duration are computed as before (`Duration * Double`), then the cap.
        let far = try PolicyParser.parse(
            "allow = [\"*\"]\n[retry]\nmultiplier = 1e10\nmax_backoff = \"290000y\"\n", path: "p"
        ).get()
        let second = TimeSpan.finite(.seconds(1) * 1e10)
        #expect(far.summary(path: "p").contains("retry backoff     up to 1s, \(second), then 290000y (full jitter)\n"))
    }

    @Test("spans too large for 64 bits are refused, not trapped on")
    func hugeSpans() {
        for span in ["99999999999999999999d", "99999999999999999999999999 y", "18446744073709551615us 1us", "292278y"] {
            let problems = PolicyParser.parse("allow = [\"*\"]\nmax_runtime = \"\(span)\"\n", path: "p").failure
            #expect(
                problems?.description
                    == "p:2: max_runtime: \(quotedForMessage(span)) is not a valid time span: time span is too large "
                    + "(more than 292,000 years)")
        }
    }

    @Test("10,000 mutated policies each give a policy or located problems")
    func mutatedPolicies() async throws {
        let corpus = try Self.corpus()
        var random = SplitMix64(seed: 0x5EED_0F_7011C7)
        var parsed = 0
        var refused = 0
        var unlocated: [String] = []
        for input in 0..<Self.inputCount {
            // Several seconds of parsing in a debug build: let the other tests' tasks (in-process daemons
            // among them) have the shared cooperative threads in between, or they starve and time out.
            if input % 50 == 0 { await Task.yield() }
            var bytes = Array(corpus[Int.random(in: 0..<corpus.count, using: &random)].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                Self.mutate(&bytes, corpus: corpus, using: &random)
            }
            // What `PolicyParser.load` hands on: it refuses bytes that are not UTF-8 before parsing.
            let text = String(decoding: bytes, as: UTF8.self)
            let lines = text.utf8.filter { $0 == 0x0A }.count + 1
            switch PolicyParser.parse(text, path: "fuzz.toml") {
            case .success(let policy):
                parsed += 1
                // `--check` prints the summary of a valid policy: it is part of the path too.
                if policy.summary(path: "fuzz.toml").isEmpty { unlocated.append(text) }
            case .failure(let problems):
                refused += 1
                let located = problems.problems.allSatisfy { problem in
                    (1...lines).contains(problem.line) && (problem.column ?? 1) >= 1
                }
                if problems.problems.isEmpty || !located { unlocated.append(text) }
            }
        }
        #expect(unlocated.prefix(3) == [])
        #expect(parsed + refused == Self.inputCount)
        // The mutations must leave both kinds, or the corpus exercises only half of the path.
        #expect(parsed >= Self.inputCount / 20)
        #expect(refused >= Self.inputCount / 2)
    }

    // MARK: - The corpus

    static let inputCount = 10_000

    /// `config/policy.toml` and a few valid policies that use other TOML forms.
    static func corpus() throws -> [String] {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(
            contentsOf: repository.appendingPathComponent("config/policy.toml"), encoding: .utf8)
        let everyKey = PolicyParserTests.everyKeyNonDefault
        let dottedAndInline = """
            \u{FEFF}allow = ["*"]\r
            max_runtime = 'infinity'\r
            api.region = "us1"\r
            api."max_in_flight" = 0x10\r
            retry = { initial_backoff = "250ms", multiplier = 1.5e0, give_up_after = \"\"\"1h\"\"\" }\r
            socket = { allowed_uids = [ 1_000, 0o17, 0b1 ], allowed_gids = [] }\r
            limits = { "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11" = "1y 2M 3w 4d 5h 6min 7s 8ms 9us" }\r
            """
        let minimal = """
            allow = ["*"]
            [api]
            request_timeout = '''
            15s'''
            """
        return [shipped, everyKey, dottedAndInline, minimal]
    }

    // MARK: - Mutations

    /// Bytes that mean something in TOML, and a few that must be refused.
    static let significant: [[UInt8]] = [
        "[", "]", "=", "\"", "'", "\\", ".", ",", "{", "}", "#", "\n", "\r", "\r\n", "\t", " ", "\0", "\u{7F}",
        "\"\"\"", "'''", "[[", "]]", "\\u", "\\U0011FFFF", "\\uD800", "0x", "_", "-", "+", "e", ":", "é", "\u{FEFF}",
    ].map { Array($0.utf8) }

    /// Values for the right-hand side of a `key = value` line: limits, overflows and other types.
    static let values: [String] = [
        "99999999999999999999", "-9223372036854775809", "9223372036854775807", "-9223372036854775808", "1e400",
        "1e300", "-1e300", "1e-300", "1e20", "1e30", "1.7976931348623157e308", "5e-324", "nan", "-inf",
        "0x7FFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFF", "0", "-1", "4294967296", "1.0000001",
        #""99999999999999999999d""#, #""99999999999999999999999999 y""#,
        #""9223372036854775807us""#, #""9223372036854775808us""#, #""18446744073709551615us 1us""#, #""292277y""#,
        #""300000y""#, #""1.99999999999999999999999999s""#, #"".0000000000000000000001h""#, #""infinity""#,
        #""infinity 5s""#, #""-5s""#, #""5 mins""#, #""""#, #""µs""#, "1979-05-27T07:32:00Z", "[]", "{}", #"["*"]"#,
        "[1, 2]", "{ a = 1 }", #""http://[::1]:99999999999999999999/""#,
        #""https://x.example:99999999999999999999999/dpc""#, "true", String(repeating: "[", count: 150),
        String(repeating: "{a=", count: 150),
    ]

    static func mutate(_ bytes: inout [UInt8], corpus: [String], using random: inout SplitMix64) {
        let position = Int.random(in: 0...bytes.count, using: &random)
        switch Int.random(in: 0..<11, using: &random) {
        case 0 where position < bytes.count:
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1 where position < bytes.count:
            bytes.replaceSubrange(position...position, with: significant.randomElement(using: &random) ?? [])
        case 2:
            bytes.insert(contentsOf: significant.randomElement(using: &random) ?? [], at: position)
        case 3:
            let end = min(bytes.count, position + Int.random(in: 1...8, using: &random))
            bytes.removeSubrange(position..<end)
        case 4:
            bytes.removeSubrange(position...)
        case 5:
            var lines = splitLines(bytes)
            guard let line = lines.randomElement(using: &random) else { return }
            lines.insert(line, at: Int.random(in: 0...lines.count, using: &random))
            bytes = joinLines(lines)
        case 6:
            // A line from another policy, in place of one of these.
            var lines = splitLines(bytes)
            let donor = splitLines(Array((corpus.randomElement(using: &random) ?? "").utf8))
            guard !lines.isEmpty, let line = donor.randomElement(using: &random) else { return }
            lines[Int.random(in: 0..<lines.count, using: &random)] = line
            bytes = joinLines(lines)
        case 7, 9:
            // A new value for a `key = value` line (not a comment).
            var lines = splitLines(bytes)
            let assignments = lines.indices.filter {
                lines[$0].contains(UInt8(ascii: "=")) && lines[$0].first { $0 != 0x20 } != UInt8(ascii: "#")
            }
            guard let index = assignments.randomElement(using: &random),
                let equals = lines[index].firstIndex(of: UInt8(ascii: "="))
            else { return }
            lines[index] =
                Array(lines[index][...equals]) + Array((" " + (values.randomElement(using: &random) ?? "")).utf8)
            bytes = joinLines(lines)
        case 8:
            var lines = splitLines(bytes)
            guard lines.count > 1 else { return }
            lines.swapAt(
                Int.random(in: 0..<lines.count, using: &random), Int.random(in: 0..<lines.count, using: &random))
            bytes = joinLines(lines)
        default:
            // Deep nesting of tables: a long dotted key or header.
            let key = Array(repeating: "a", count: Int.random(in: 90...120, using: &random)).joined(separator: ".")
            let line = Bool.random(using: &random) ? "[\(key)]\n" : "\(key) = 1\n"
            bytes.insert(contentsOf: Array(line.utf8), at: position)
        }
    }

    private static func splitLines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    private static func joinLines(_ lines: [[UInt8]]) -> [UInt8] {
        Array(lines.joined(separator: [0x0A]))
    }
}

extension Result {
    /// The error of a failure.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
