import MaiaClient
import TestSupport
import Testing

@Suite("StaticTokenProvider")
struct StaticTokenProviderTests {
    @Test("the token is trimmed and cached until invalidated")
    func trimAndCache() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("maia-token", "  first-token \n\n")
        let provider = StaticTokenProvider(file: file)
        #expect(try await provider.token() == "first-token")

        try directory.write("maia-token", "second-token\n")
        #expect(try await provider.token() == "first-token")
        await provider.invalidate("some-other-token")
        #expect(try await provider.token() == "first-token")
        await provider.invalidate("first-token")
        #expect(try await provider.token() == "second-token")
    }

    @Test("missing, empty and malformed files name the path, never the content")
    func errors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.path + "/absent"
        await #expect(throws: TokenError.missing(path: missing)) {
            try await StaticTokenProvider(file: missing).token()
        }
        let empty = try directory.write("empty", " \n\t\n")
        await #expect(throws: TokenError.empty(path: empty)) {
            try await StaticTokenProvider(file: empty).token()
        }
        let malformed = try directory.write("malformed", "secret-part1 secret-part2\n")
        await #expect(throws: TokenError.malformed(path: malformed)) {
            try await StaticTokenProvider(file: malformed).token()
        }
        #expect(!TokenError.malformed(path: malformed).description.contains("secret"))
        #expect(TokenError.missing(path: missing).description == "the API token file \(missing) does not exist")
        await #expect(throws: TokenError.unreadable(path: directory.path, reason: "it is a directory")) {
            try await StaticTokenProvider(file: directory.path).token()
        }
    }

    @Test("a file that appears later is read on the next call")
    func appearsLater() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = StaticTokenProvider(file: directory.path + "/maia-token")
        await #expect(throws: TokenError.self) { try await provider.token() }
        try directory.write("maia-token", "late-token")
        #expect(try await provider.token() == "late-token")
    }

    @Test("credentialsFile resolves $CREDENTIALS_DIRECTORY/<name>")
    func credentialsFile() {
        #expect(
            StaticTokenProvider.credentialsFile(named: "maia-token", environment: ["CREDENTIALS_DIRECTORY": "/run/c"])
                == "/run/c/maia-token"
        )
        #expect(
            StaticTokenProvider.credentialsFile(named: "maia-token", environment: ["CREDENTIALS_DIRECTORY": "/run/c/"])
                == "/run/c/maia-token"
        )
        #expect(StaticTokenProvider.credentialsFile(named: "maia-token", environment: [:]) == nil)
        #expect(
            StaticTokenProvider.credentialsFile(named: "maia-token", environment: ["CREDENTIALS_DIRECTORY": ""]) == nil
        )
        #expect(
            StaticTokenProvider.credentialsFile(named: "../etc", environment: ["CREDENTIALS_DIRECTORY": "/run/c"])
                == nil
        )
    }
}
