import Foundation
import Testing

@testable import WatchdogDaemon

@Suite("Journal catalog")
struct CatalogTests {
    @Test func everyEventHasAUniqueMessageIDWithACatalogEntry() throws {
        let catalog = try String(
            contentsOf: DaemonProcess.repositoryRoot.appendingPathComponent("systemd/maia-watchdog.catalog"),
            encoding: .utf8)
        let ids = WatchdogEvent.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        for event in WatchdogEvent.allCases {
            #expect(event.messageID.count == 32 && event.messageID.allSatisfy(\.isHexDigit))
            #expect(catalog.contains("-- \(event.messageID)\nSubject: "), "no catalog entry for \(event)")
        }
    }
}
