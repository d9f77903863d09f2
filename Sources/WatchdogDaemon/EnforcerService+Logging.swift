import Logging
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    func logWouldStop(_ record: TaskRecord) {
        logger.notice(
            "would stop task \(record.id) (dry run)", metadata: .event(.wouldStop, task: record))
    }

    func logRefusal(_ error: ControlError, id: TaskID, requester: Requester, verb: String) {
        logger.notice(
            "refused \(verb) of task \(id) from uid \(requester.uid): \(error.message)",
            metadata: [
                "event": .string(WatchdogEvent.refused.rawValue), "task.id": .string(id.rawValue),
                "peer.uid": "\(requester.uid)", "peer.pid": "\(requester.pid)",
            ])
    }

    func logResult(_ record: TaskRecord, outcome: StopOutcome, action: EnforcerAction) {
        var metadata = Logger.Metadata.event(.stopResult, task: record)
        metadata["attempt"] = "\(record.attempts)"
        let answer: String
        switch outcome {
        case .answered(let status, _, let detail):
            metadata["http.status"] = "\(status)"
            answer = "HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
        case .failed(let reason):
            answer = reason
        }
        switch action {
        case .finish(let state):
            let level: Logger.Level = state == .stopRequested || state == .notRunning ? .notice : .warning
            logger.log(
                level: level,
                "stop of task \(record.id) ended \(state.rawValue) after attempt \(record.attempts): \(answer)",
                metadata: metadata)
        case .sleep(let until):
            logger.warning(
                "stop attempt \(record.attempts) for task \(record.id) failed (\(answer)); retrying at \(RFC3339.format(until))",
                metadata: metadata)
        case .sendStop:
            logger.warning(
                "stop attempt \(record.attempts) for task \(record.id) got \(answer); retrying with a fresh token",
                metadata: metadata)
        }
    }
}
