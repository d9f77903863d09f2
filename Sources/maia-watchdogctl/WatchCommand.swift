import ArgumentParser
import WatchdogProtocol

/// `watch TASK_ID [--max-runtime SPAN] [--started-at RFC3339]`: start enforcing a task's runtime.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ControlVerb.watch.rawValue,
        abstract: "Start enforcing the maximum runtime of a task.",
        discussion: """
            Watching a task that is already tracked returns its record unchanged. --max-runtime may \
            only shorten the policy's limit; spaces in it are removed ("1h 30min" is sent as 1h30min).
            """
    )

    @OptionGroup(title: "Global Options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("The Maia task's UUID.", valueName: "task-id"))
    var taskID: String

    @Option(
        name: .long,
        help: ArgumentHelp("A shorter limit than the policy's (e.g. 45min, \"1h 30min\").", valueName: "span"))
    var maxRuntime: String?

    @Option(name: .long, help: ArgumentHelp("When the task started, in RFC 3339 (default: now).", valueName: "rfc3339"))
    var startedAt: String?

    func validate() throws {
        _ = try request()
    }

    func run() throws {
        try global.perform(request())
    }

    private func request() throws -> RequestLine {
        let id = try RequestWord.taskID(taskID)
        // Spans are written without spaces in requests: "1h 30min" becomes "1h30min".
        let span = try maxRuntime.map { try RequestWord.validated($0.filter { $0 != " " }, for: "--max-runtime") }
        let start = try startedAt.map { try RequestWord.validated($0, for: "--started-at") }
        return .watch(taskID: id, maxRuntime: span, startedAt: start)
    }
}
