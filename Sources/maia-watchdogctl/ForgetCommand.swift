import ArgumentParser

/// `forget TASK_ID`: Stop tracking a task that ended normally.
struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Stop tracking a task that ended normally."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID.", valueName: "task-id"))
    var taskID: String

    func validate() throws {
        _ = try ControlRequest.forget(taskID: taskID)
    }

    func run() throws {
        try global.perform(ControlRequest.forget(taskID: taskID))
    }
}
