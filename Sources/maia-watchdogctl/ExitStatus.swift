/// The exit statuses of `maia-watchdogctl`, as the contract fixes them.
enum ExitStatus {
    /// The daemon did what was asked.
    static let done: Int32 = 0
    /// The daemon answered `{"ok":false,...}`.
    static let refused: Int32 = 1
    /// The command line was wrong; nothing was sent.
    static let usage: Int32 = 2
    /// The daemon could not be reached, or gave no usable answer in time.
    static let unreachable: Int32 = 3
}
