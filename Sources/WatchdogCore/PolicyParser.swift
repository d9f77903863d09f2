import FoundationEssentials
import Glibc

/// Reads and validates the policy file (`docs/policy.md`), reporting every problem rather than the first.
///
/// ```swift
/// let path = "/etc/maia-watchdog/policy.toml"
/// switch PolicyParser.load(path: path) {
/// case .success(let policy): print(policy.summary(path: path))
/// case .failure(let problems): print(problems, to: &standardError)  // one `PATH:LINE: …` a line
/// }
/// ```
public enum PolicyParser {
    /// Policy files larger than this are refused: a policy is a few hundred bytes, and a daemon that
    /// reloads on `SIGHUP` should not be made to swallow an arbitrary file.
    public static let maximumFileSize = 1 << 20

    /// Parses and validates policy text; `path` is only used to label problems.
    public static func parse(_ text: String, path: String) -> Result<Policy, PolicyProblems> {
        let document: TOMLTable
        do throws(TOMLParseError) {
            document = try TOMLParser.parse(text)
        } catch {
            return .failure(
                PolicyProblems([
                    PolicyProblem(path: path, line: error.line, column: error.column, message: error.message)
                ]))
        }
        var validator = PolicyValidator(path: path, document: document)
        let policy = validator.policy()
        if let policy, validator.problems.isEmpty { return .success(policy) }
        return .failure(PolicyProblems(validator.sortedProblems))
    }

    /// Reads the file at `path` and parses it. A file that cannot be read, is too large or is not UTF-8 is a
    /// problem at line 1.
    public static func load(path: String) -> Result<Policy, PolicyProblems> {
        switch contents(ofFile: path) {
        case .success(let text):
            return parse(text, path: path)
        case .failure(let failure):
            return .failure(PolicyProblems([PolicyProblem(path: path, line: 1, message: failure.text)]))
        }
    }

    private static func contents(ofFile path: String) -> Result<String, ReadFailureMessage> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.init("cannot open the policy file: \(errnoText())")) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.init("cannot read the policy file: \(errnoText())"))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileSize {
                return .failure(.init("the policy file is larger than \(maximumFileSize / 1024) KiB"))
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.init("the policy file is not valid UTF-8"))
        }
        return .success(text)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The message of a file that could not be read.
private struct ReadFailureMessage: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
