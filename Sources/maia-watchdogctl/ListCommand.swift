import ArgumentParser

/// `list [--state STATE]`: every tracked task, or those in one state.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tracked tasks, as a table (ID, STATE, DEADLINE, ATTEMPTS, LAST)."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only the tasks in this state.", valueName: "state"))
    var state: TaskStateFilter?

    func run() throws {
        try global.perform(ControlRequest.list(state: state))
    }
}
