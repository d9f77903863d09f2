import ArgumentParser

/// `status [TASK_ID]`: the daemon's status, or one task's record.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's status, or one task's record."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID; without it, the daemon's status.", valueName: "task-id"))
    var taskID: String?

    func validate() throws {
        _ = try ControlRequest.status(taskID: taskID)
    }

    func run() throws {
        try global.perform(ControlRequest.status(taskID: taskID))
    }
}
