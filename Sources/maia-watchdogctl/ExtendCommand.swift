import ArgumentParser
import WatchdogProtocol

/// `extend TASK_ID --by SPAN`: move a watching task's deadline later.
struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.extend.rawValue,
        abstract: "Give a watching task more time: move its deadline later.",
        discussion: """
            Only root and the uids in the policy's [socket] extend_uids may extend, and a task's \
            extensions add up to at most [safety] max_extension. Spaces in the span are removed.
            """
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID.", valueName: "task-id"))
    var taskID: String

    @Option(name: .long, help: ArgumentHelp("How much later the deadline moves (e.g. 15min).", valueName: "span"))
    var by: String

    func validate() throws {
        _ = try request()
    }

    func run() throws {
        try global.perform(request())
    }

    private func request() throws -> RequestLine {
        let id = try RequestWord.taskID(taskID)
        return .extend(taskID: id, by: try RequestWord.validated(by.filter { $0 != " " }, for: "--by"))
    }
}
