import Logging
import WatchdogCore
import WatchdogProtocol

/// The `MAIA_EVENT` values and the metadata keys the journal maps to `MAIA_*` fields
/// (`task.id` → `MAIA_TASK_ID`).
public enum WatchdogEvent: String, Sendable, CaseIterable {
    case watch
    case forget
    case deadline
    case stopAttempt = "stop_attempt"
    case stopResult = "stop_result"
    case wouldStop = "would_stop"
    case refused
    case expired
    case policyLoaded = "policy_loaded"
    case policyRejected = "policy_rejected"
    case tokenRefreshed = "token_refreshed"
    case tokenFailed = "token_failed"
    case started
    case stopping
    case watchdog
    case storeRecreated = "store_recreated"
    case statusRead = "status_read"
    case stopConfirmed = "stop_confirmed"
    case restop
    case stopUnconfirmed = "stop_unconfirmed"
    case deadlineWarning = "deadline_warning"
    case extended
    case breakerOpen = "breaker_open"
    case held
    case breakerReleased = "breaker_released"
    case discovered
    case resumed
    case discoveryFailed = "discovery_failed"
    case discoveryPass = "discovery_pass"

    /// The stable journal MESSAGE_ID of each kind (see `systemd/maia-watchdog.catalog`). Never
    /// change one: operators filter on them.
    public var messageID: String {
        switch self {
        case .watch: return "083842190b114820beab6cb253b492c7"
        case .forget: return "b37d3676c8464c0dbea8024ab5cfedf8"
        case .deadline: return "17ba0a72a63840069b426a9ecb28e752"
        case .stopAttempt: return "c3543f7080e947f990f0a0069afe5a39"
        case .stopResult: return "7e4fbe12318d47edaaf5fe96a477d72f"
        case .wouldStop: return "75bf88415a99420a8b5322f90c0f8777"
        case .refused: return "12db3005d7364efca3abc8714ae9925b"
        case .expired: return "5241a009b7824d40b62d8a788a559d5d"
        case .policyLoaded: return "6a826aa79b4245b4bfc1391678739aac"
        case .policyRejected: return "e091fee8048c4a91a23da9654a3b8b01"
        case .tokenRefreshed: return "7f303421ee594759a377d77e71b8e9b2"
        case .tokenFailed: return "9c1f4e2b7a3d4f6e8b5a0c2d4e6f8a1b"
        case .started: return "e9a7d11d2431464389b0cbf502466df3"
        case .stopping: return "c2f1eac076a3493db69235ab21a44215"
        case .watchdog: return "2524444619f3475dae4ec763e3320f14"
        case .storeRecreated: return "c98e9d1f6ef7412ea1f7ad46a3417c4d"
        case .statusRead: return "0a90ce3a9b964129a43515aedeecb368"
        case .stopConfirmed: return "ea0449d408e44ccfa4e8e5414ba4f362"
        case .restop: return "add0a4eb9eca4629a9e22064784c0def"
        case .stopUnconfirmed: return "48fcff1d635644609cc97ec2c41ee30e"
        case .breakerOpen: return "6ac076b4add24c1f81e8b304455a9159"
        case .held: return "bb959ce2eee5456a8479cf9ce3025c5a"
        case .breakerReleased: return "c53872a520b342c283b48e83ea62afb5"
        case .extended: return "823a242fd0724569ad9ef249a7c22271"
        case .deadlineWarning: return "b6bfdf1bdb6c4d058a025e7e88627f59"
        case .discovered: return "dbed3870ac9d4ceab6edfa290c1a75ad"
        case .resumed: return "b662876493ce4b16ae1babe0ebb61efd"
        case .discoveryFailed: return "99706a4026c141b2956936086af7143c"
        case .discoveryPass: return "3f0b1c8e6a2d4e97b5c4a1d09e7f2b63"
        }
    }

    /// `event` value → MESSAGE_ID, for the journal handler.
    public static var messageIDs: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.messageID) })
    }
}

extension Logger.Metadata {
    /// Metadata for one event about one task.
    static func event(_ event: WatchdogEvent, task: TaskRecord? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["event": .string(event.rawValue)]
        if let task {
            metadata["task.id"] = .string(task.id.rawValue)
            metadata["state"] = .string(task.state.rawValue)
        }
        return metadata
    }
}
