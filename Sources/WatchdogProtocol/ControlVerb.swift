/// The verbs of a request line, each listed once. Any other single word is taken as a task ID.
public enum ControlVerb: String, Sendable, CaseIterable {
    /// `watch TASK_ID [max-runtime=SPAN] [started-at=RFC3339]`.
    case watch
    /// `stop TASK_ID`.
    case stop
    /// `forget TASK_ID`.
    case forget
    /// `status` or `status TASK_ID`.
    case status
    /// `list [state=STATE]`.
    case list
    /// `extend TASK_ID by=SPAN`.
    case extend
    /// `release`: close an open breaker.
    case release
    /// `metrics`: the daemon's metrics as Prometheus text.
    case metrics

    /// The verb a request line starts with, if `word` is one. Compares the word in place: a bare task
    /// ID, what nearly every request is, is 36 bytes and would cost an allocation as a `String`.
    public init?(_ word: Substring) {
        guard let verb = Self.allCases.first(where: { word == $0.rawValue }) else { return nil }
        self = verb
    }

    /// The verbs as a person reads them in a message: `watch, stop, forget, status, list`.
    static var spelledOut: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
