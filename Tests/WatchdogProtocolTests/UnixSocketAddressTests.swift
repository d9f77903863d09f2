import Glibc
import Testing
import WatchdogProtocol

@Suite("UnixSocketAddress")
struct UnixSocketAddressTests {
    /// `sun_path` holds 108 bytes on Linux, one of them the terminating NUL.
    @Test func holdsPathsUpToTheLimit() {
        #expect(UnixSocketAddress.maximumPathBytes == 107)
        #expect(UnixSocketAddress(path: "/" + String(repeating: "a", count: 106)) != nil)
        #expect(UnixSocketAddress(path: "/" + String(repeating: "a", count: 107)) == nil)
        #expect(UnixSocketAddress(path: "/run/a\u{0}b") == nil)
    }

    /// The family, the path and its NUL are in place, and the length is the whole `sockaddr_un`.
    @Test func buildsTheAddress() throws {
        let address = try #require(UnixSocketAddress(path: "/run/maia-watchdog/control.sock"))
        let (family, path, length) = address.withSockaddr { pointer, length in
            pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { unix in
                var sunPath = unix.pointee.sun_path
                let text = withUnsafeBytes(of: &sunPath) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return (Int32(unix.pointee.sun_family), text, Int(length))
            }
        }
        #expect(family == AF_UNIX)
        #expect(path == "/run/maia-watchdog/control.sock")
        #expect(length == MemoryLayout<sockaddr_un>.size)
    }

    /// A socket bound through the address is found by connecting through another.
    @Test func bindsAndConnects() throws {
        let path = "/tmp/maia-address-\(UInt32.random(in: 0...UInt32.max)).sock"
        let address = try #require(UnixSocketAddress(path: path))
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(server >= 0)
        defer {
            close(server)
            unlink(path)
        }
        #expect(address.withSockaddr { bind(server, $0, $1) } == 0)
        #expect(listen(server, 1) == 0)
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        #expect(try #require(UnixSocketAddress(path: path)).withSockaddr { connect(client, $0, $1) } == 0)
    }
}
