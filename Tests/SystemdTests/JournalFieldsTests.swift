import Foundation
import Logging
import Testing

@testable import Systemd

@Suite("Journal fields")
struct JournalFieldsTests {
    @Test(arguments: [
        ("task.id", "MAIA_TASK_ID"), ("event", "MAIA_EVENT"), ("http.status", "MAIA_HTTP_STATUS"),
        ("peer.uid", "MAIA_PEER_UID"), ("attempt", "MAIA_ATTEMPT"), ("weird key-ü!", "MAIA_WEIRD_KEY___"),
    ])
    func metadataKeysBecomeValidFieldNames(key: String, field: String) {
        #expect(JournalFields.fieldName(forMetadataKey: key) == field)
    }

    @Test func fieldNamesAreAlwaysValid() {
        let name = JournalFields.fieldName(forMetadataKey: String(repeating: "x.", count: 100))
        #expect(name.count == 64)
        #expect(name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") })
        #expect(!name.hasPrefix("_"))
    }

    @Test func priorityFollowsSyslog() {
        #expect(
            Logger.Level.allCases.map(JournalFields.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func entryCarriesMessageIDAndCodeLocation() {
        let fields = JournalFields.fields(
            level: .notice, message: "deadline\npassed", metadata: ["event": "deadline", "task.id": "abc"],
            identifier: "maia-watchdogd", messageIDs: ["deadline": "17ba0a72a63840069b426a9ecb28e752"],
            file: "Enforcer.swift", function: "processDue()", line: 42)
        #expect(
            fields == [
                "MESSAGE=deadline\npassed", "PRIORITY=5", "SYSLOG_IDENTIFIER=maia-watchdogd",
                "CODE_FILE=Enforcer.swift",
                "CODE_LINE=42", "CODE_FUNC=processDue()", "MESSAGE_ID=17ba0a72a63840069b426a9ecb28e752",
                "MAIA_EVENT=deadline", "MAIA_TASK_ID=abc",
            ])
        let unknown = JournalFields.fields(
            level: .info, message: "x", metadata: ["event": "other"], identifier: "i", messageIDs: [:], file: "f",
            function: "g", line: 1)
        #expect(!unknown.contains { $0.hasPrefix("MESSAGE_ID=") })
    }

    @Test func stderrIsJournalOnlyWhenJournalStreamNamesStderr() {
        var info = stat()
        #expect(fstat(STDERR_FILENO, &info) == 0)
        let matching = "\(info.st_dev):\(info.st_ino)"
        #expect(JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": matching]))
        #expect(!JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "1:2"]))
        #expect(!JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "garbage"]))
        #expect(!JournalLogHandler.stderrIsJournal(environment: [:]))
    }
}
