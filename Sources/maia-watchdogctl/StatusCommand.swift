import ArgumentParser
import WatchdogProtocol

/// `status [TASK_ID]`: the daemon's status, or one task's record.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.status.rawValue,
        abstract: "Show the daemon's status, or one task's record."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID; without it, the daemon's status.", valueName: "task-id"))
    var taskID: String?

    func validate() throws {
        _ = try request()
    }

    func run() throws {
        try global.perform(request())
    }

    private func request() throws -> RequestLine {
        .status(taskID: try taskID.map(RequestWord.taskID))
    }
}
