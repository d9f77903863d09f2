import ArgumentParser
import WatchdogProtocol

/// `forget TASK_ID`: Stop tracking a task that ended normally.
struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.forget.rawValue,
        abstract: "Stop tracking a task that ended normally."
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID.", valueName: "task-id"))
    var taskID: String

    func validate() throws {
        _ = try request()
    }

    func run() throws {
        try global.perform(request())
    }

    private func request() throws -> RequestLine {
        .forget(taskID: try RequestWord.taskID(taskID))
    }
}
