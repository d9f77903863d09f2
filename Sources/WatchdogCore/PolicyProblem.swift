/// One thing wrong with a policy file, located for the operator.
///
/// Its description is the contract's `--check` line:
/// - `PATH:LINE:COLUMN: message` for a TOML syntax error (`column` is set);
/// - `PATH:LINE: key.path: message` for a bad value (`keyPath` is set; `LINE` is the line of the offending key,
///   1 for a missing required key);
/// - `PATH:LINE: message` for a file that cannot be read at all.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    /// The policy file's path, as given.
    public var path: String
    /// 1-based.
    public var line: Int
    /// 1-based; only for syntax errors.
    public var column: Int?
    /// The TOML key path (`api.base_url`, `allow[1]`, `limits."not a uuid"`); `nil` for syntax errors.
    public var keyPath: String?
    /// What is wrong and, where it helps, what to do. Never contains the value of a key that could be a secret.
    public var message: String

    public init(path: String, line: Int, column: Int? = nil, keyPath: String? = nil, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var text = "\(path):\(line)"
        if let column { text += ":\(column)" }
        text += ": "
        if let keyPath { text += "\(keyPath): " }
        return text + message
    }
}

/// Every problem found in a policy file, sorted by line; never empty when thrown.
public struct PolicyProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [PolicyProblem]

    public init(_ problems: [PolicyProblem]) {
        self.problems = problems
    }

    /// One problem a line, as `maia-watchdogd --check` prints them.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
