import ArgumentParser
import WatchdogProtocol

/// `release`: close an open breaker; the held tasks start their stop sequences.
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.release.rawValue,
        abstract: "Close an open breaker: the held tasks start their stop sequences.",
        discussion: """
            Only root and the uids in the policy's [socket] extend_uids may release. Check the policy \
            first: a breaker opens when more deadline stops than [safety] max_stops come within [safety] window.
            """
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    func run() throws {
        try global.perform(.release)
    }
}
