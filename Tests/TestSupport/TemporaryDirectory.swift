import Foundation

/// A fresh directory under `/tmp` (a short path, so that Unix socket paths inside it fit `sun_path`), removed by
/// ``remove()``.
public struct TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates the directory.
    public init() throws {
        self.path = "/tmp/maia-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    /// Creates a directory and returns its path, for tests that remove it themselves.
    public static func make() throws -> String {
        try TemporaryDirectory().path
    }

    /// Writes `content` to `name` in the directory (replacing it atomically) and returns the file's path.
    @discardableResult
    public func write(_ name: String, _ content: String) throws -> String {
        let file = self.path + "/" + name
        try Data(content.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        return file
    }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}
