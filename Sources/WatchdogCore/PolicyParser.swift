import Foundation
import TOMLKit

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
        // TOMLKit hands the text to C++ as a C string, which would silently end it at a NUL.
        if let nul = text.utf8.firstIndex(of: 0) {
            let (line, column) = position(of: nul, in: text)
            return .failure(
                PolicyProblems([
                    PolicyProblem(path: path, line: line, column: column, message: "NUL character in the file")
                ]))
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            return .failure(
                PolicyProblems([
                    PolicyProblem(
                        path: path, line: max(begin.line, 1), column: max(begin.column, 1), message: error.description)
                ]))
        } catch {
            return .failure(PolicyProblems([PolicyProblem(path: path, line: 1, message: "\(error)")]))
        }
        var validator = PolicyValidator(path: path, locator: TOMLKeyLocator(text: text))
        let policy = validator.policy(from: table)
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

    /// 1-based line and column (in characters) of a UTF-8 offset.
    private static func position(of target: String.Index, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for index in text.indices {
            if index >= target { break }
            if text[index] == "\n" || text[index] == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

/// The message of a file that could not be read.
private struct ReadFailureMessage: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
