import ArgumentParser
import WatchdogProtocol

/// `list [--state STATE]`: every tracked task, or those in one state.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.list.rawValue,
        abstract: "List the tracked tasks, as a table (ID, STATE, MAIA, DEADLINE, ATTEMPTS, LAST)."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only the tasks in this state.", valueName: "state"))
    var state: TaskState?

    func run() throws {
        try global.perform(.list(state: state), listing: state)
    }
}
