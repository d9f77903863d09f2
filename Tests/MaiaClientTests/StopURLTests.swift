import Foundation
import Testing

@testable import MaiaClient

@Suite("Stop request URLs")
struct StopURLTests {
    /// A task UUID goes into the path as it is; anything else is percent-encoded as one segment
    /// (a slash cannot open another path level).
    @Test func pathSegments() {
        #expect(
            PercentEncoding.pathSegment("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")
                == "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")
        #expect(PercentEncoding.pathSegment("a.b_c~D-9") == "a.b_c~D-9")
        #expect(PercentEncoding.pathSegment("a/b c") == "a%2Fb%20c")
        #expect(PercentEncoding.pathSegment("é") == "%C3%A9")
        #expect(PercentEncoding.pathSegment("") == nil)
    }

    /// The hand-written encoder (the daemon links no full Foundation) agrees with Foundation's
    /// `addingPercentEncoding(withAllowedCharacters: urlPathAllowed - "/")` on every ASCII character and on
    /// multi-byte ones.
    @Test func pathSegmentsAgreeWithFoundation() {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        let samples =
            (0x00...0x7F).map { String(UnicodeScalar(UInt8($0))) } + ["é", "日本", "🙂", "a b/c?d#e%f", "x;y=z@w:v"]
        for sample in samples {
            #expect(
                PercentEncoding.pathSegment(sample) == sample.addingPercentEncoding(withAllowedCharacters: allowed),
                "\(sample.unicodeScalars.map { $0.value })")
        }
    }

    @Test func trimmingAndRedactingOnTheStandardLibrary() {
        #expect(" \t token\r\n ".trimmingWhitespace() == "token")
        #expect("\u{00A0}a b\u{2003}".trimmingWhitespace() == "a b")
        #expect(" \n ".trimmingWhitespace() == "")
        #expect("bearer s3cr3t, again s3cr3t".redacting("s3cr3t") == "bearer <redacted>, again <redacted>")
        #expect("nothing here".redacting("") == "nothing here")
    }

    @Test func baseURLSchemesAndHosts() {
        for good in [
            "http://127.0.0.1:8404/dpc", "https://eu1.api.matillion.com/dpc", "HTTPS://Example.com", "http://[::1]:80",
        ] {
            #expect(HTTPTransport.isHTTPURL(good), "\(good)")
        }
        for bad in [
            "ftp://example.com", "http://", "https:///path", "http:/x", "example.com", "", "http://?q", "https://:80",
        ] {
            #expect(!HTTPTransport.isHTTPURL(bad), "\(bad)")
        }
    }
}
