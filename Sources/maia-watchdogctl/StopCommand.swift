import ArgumentParser
import WatchdogProtocol

/// `stop TASK_ID`: Ask Maia to stop a task now (still subject to the policy's allowlist).
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.stop.rawValue,
        abstract: "Ask Maia to stop a task now (still subject to the policy's allowlist)."
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
        .stop(taskID: try RequestWord.taskID(taskID))
    }
}
