import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// `PolicySchema` is the one declaration of the policy's keys: what the validator knows, what a reload keeps
/// until a restart, and what the manual documents all follow from it.
@Suite("Policy schema")
struct PolicySchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func policy(_ text: String) throws -> Policy {
        try PolicyParser.parse(text, path: "p.toml").get()
    }

    @Test func theValidatorKnowsExactlyTheDeclaredKeys() throws {
        for key in PolicySchema.keys where key.name != "limits" && key.name != "allow" {
            let text =
                key.section.map { "allow = [\"*\"]\n[\($0)]\n\(key.name) = {}\n" }
                ?? "allow = [\"*\"]\n\(key.name) = {}\n"
            guard case .failure(let problems) = PolicyParser.parse(text, path: "p.toml") else {
                Issue.record("\(key.path) = {} was accepted")
                continue
            }
            // A known key with a value of the wrong kind: its own message, never "unknown".
            #expect(problems.problems.allSatisfy { !$0.description.contains("unknown") }, "\(key.path)")
            #expect(problems.problems.contains { $0.description.contains(key.path) }, "\(key.path)")
        }
        for section in PolicySchema.sections {
            guard
                case .failure(let problems) = PolicyParser.parse("allow = [\"*\"]\n[\(section)]\nnope = 1\n", path: "p")
            else {
                Issue.record("[\(section)] nope = 1 was accepted")
                continue
            }
            // `[auth]` says more (secrets belong elsewhere); every table refuses the key it does not declare.
            let messages = problems.problems.map(\.description)
            #expect(messages.count == 1 && messages[0].hasPrefix("p:3: \(section).nope: "), "\(messages)")
            #expect(messages[0].contains("unknown key") || messages[0].contains("not allowed"), "\(messages)")
        }
    }

    @Test func aReloadKeepsExactlyTheRestartOnlyKeys() throws {
        let running = try policy(#"allow = ["*"]"#)
        var new = try policy(PolicyParserTests.everyKeyNonDefault)
        let changed = new
        let kept = PolicySchema.keepRestartOnly(from: running, in: &new)
        #expect(
            kept == [
                "api.base_url", "api.request_timeout", "api.max_requests_per_minute", "auth.token_url",
                "auth.audience", "metrics.listen",
            ])
        #expect(kept == PolicySchema.keys.filter { $0.reload == .atRestart && $0.name != "region" }.map(\.path))
        #expect(new.api.baseURL == running.api.baseURL)
        #expect(new.api.requestTimeout == running.api.requestTimeout)
        #expect(new.api.maxRequestsPerMinute == running.api.maxRequestsPerMinute)
        #expect(new.auth == running.auth)
        #expect(new.metrics.listen == .off)
        // Everything else is the new policy's.
        #expect(new.api.maxInFlight == changed.api.maxInFlight && new.api.maxInFlight != running.api.maxInFlight)
        #expect(new.retry == changed.retry && new.socket == changed.socket && new.limits == changed.limits)
        #expect(new.maxRuntime == changed.maxRuntime && new.retention == changed.retention)
        // Nothing differs the second time.
        #expect(PolicySchema.keepRestartOnly(from: running, in: &new) == [])
    }

    @Test func aReloadMayTurnDryRunOnButNotOff() throws {
        let wet = try policy(#"allow = ["*"]"#)
        let dry = try policy("allow = [\"*\"]\ndry_run = true")
        #expect(PolicySchema.forbiddenChanges(from: dry, to: wet) == ["dry_run"])
        #expect(PolicySchema.forbiddenChanges(from: wet, to: dry) == [])
        #expect(PolicySchema.forbiddenChanges(from: dry, to: dry) == [])
    }

    @Test func theManualDocumentsEveryKeyWithItsDefault() throws {
        let manual = try String(
            contentsOf: Self.repository.appendingPathComponent("man/maia-watchdog.policy.5"), encoding: .utf8)
        let guide = try String(contentsOf: Self.repository.appendingPathComponent("docs/policy.md"), encoding: .utf8)
        let lines = manual.split(separator: "\n")
        for key in PolicySchema.keys where key.name != "limits" {
            // The key's entry in its own section (`.Sh [confirm]` up to the next `.Sh`): `enabled` is in two.
            let heading = key.section.map { ".Sh [\($0)]" } ?? ".Sh TOP-LEVEL KEYS"
            let section = lines.drop { $0 != heading }.dropFirst().prefix { !$0.hasPrefix(".Sh ") }
            let line = section.first { $0.hasPrefix(".It Ic \(key.name) ") }
            guard let line else {
                Issue.record("maia-watchdog.policy(5) has no entry for \(key.path)")
                continue
            }
            let shown = key.defaultValue.map { $0.replacingOccurrences(of: "from ", with: "from Ic ") } ?? "required"
            #expect(line.contains(shown), "\(key.path): \(line)")
            #expect(guide.contains("`\(key.name)`"), "docs/policy.md does not mention \(key.path)")
        }
    }
}
