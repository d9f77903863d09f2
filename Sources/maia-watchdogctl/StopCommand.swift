import ArgumentParser

/// `stop TASK_ID`: Ask Maia to stop a task now (still subject to the policy's allowlist).
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Ask Maia to stop a task now (still subject to the policy's allowlist)."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID.", valueName: "task-id"))
    var taskID: String

    func validate() throws {
        _ = try ControlRequest.stop(taskID: taskID)
    }

    func run() throws {
        try global.perform(ControlRequest.stop(taskID: taskID))
    }
}
