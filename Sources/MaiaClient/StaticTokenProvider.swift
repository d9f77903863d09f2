import FoundationEssentials
import Glibc

/// A static bearer token read from a file, e.g. the systemd credential `maia-token`.
///
/// The file is read on the first ``token()`` and cached; after ``invalidate(_:)`` (a 401) the next ``token()`` reads
/// the file again, so an operator can rotate the token by replacing the file's content. Leading and trailing
/// whitespace and newlines are trimmed.
public actor StaticTokenProvider: TokenProvider {
    /// The token file's path.
    public nonisolated let file: String
    private var cached: String?

    /// Creates a provider for the token in `file`. Nothing is read until ``token()``.
    public init(file: String) {
        self.file = file
    }

    /// The path of the systemd credential `name`: `$CREDENTIALS_DIRECTORY/name`, or `nil` when
    /// `CREDENTIALS_DIRECTORY` is unset or empty (or `name` is not a plain file name). Outside systemd, point
    /// `CREDENTIALS_DIRECTORY` at a directory holding the credential files. Whether the file exists is not checked.
    public static func credentialsFile(named name: String, environment: [String: String]) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
            !name.isEmpty, !name.contains("/"), name != ".", name != ".."
        else { return nil }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The cached token, or the file's trimmed content.
    public func token() throws(TokenError) -> String {
        if let cached = self.cached {
            return cached
        }
        let token = try Self.read(self.file)
        self.cached = token
        return token
    }

    /// Drops the cached token if it is `token`, so that the next ``token()`` re-reads the file.
    public func invalidate(_ token: String) {
        if self.cached == token {
            self.cached = nil
        }
    }

    private static func read(_ path: String) throws(TokenError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .missing(path: path)
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw .unreadable(path: path, reason: "it is a directory")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "read failed")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformed(path: path)
        }
        let token = text.trimmingWhitespace()
        guard !token.isEmpty else {
            throw .empty(path: path)
        }
        guard token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .malformed(path: path)
        }
        return token
    }
}
