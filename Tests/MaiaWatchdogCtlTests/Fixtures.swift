/// Response lines and IDs the tests script the fake daemon with.
enum Fixtures {
    static let taskID = "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"
    static let otherTaskID = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b"

    /// `watchingTask` and `stoppingTask` are records as a daemon that predates `source` … `extended_s` sent them.
    static let watchingTask = """
        {"id":"\(taskID)","state":"watching","watched_at":"2026-11-29T09:00:00Z",\
        "deadline":"2026-11-29T09:45:00Z","max_runtime_s":2700,"attempts":0,"last_http_status":null,\
        "last_error":null,"updated_at":"2026-11-29T09:00:00Z","requested_by":{"uid":1000,"pid":4242}}
        """

    static let stoppingTask = """
        {"id":"\(otherTaskID)","state":"stopping","watched_at":"2026-11-29T08:00:00Z",\
        "deadline":null,"max_runtime_s":null,"attempts":3,"last_http_status":503,\
        "last_error":"service unavailable","updated_at":"2026-11-29T09:01:00Z",\
        "requested_by":{"uid":0,"pid":1}}
        """

    static let thirdTaskID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

    /// A discovered task whose stop Maia confirmed, with every key a current daemon sends; it was extended and warned.
    static let stoppedTask = """
        {"id":"\(taskID)","state":"stopped","watched_at":"2026-11-29T09:00:00.000Z",\
        "deadline":"2026-11-29T09:45:00.000Z","max_runtime_s":2700,"attempts":1,"last_http_status":204,\
        "last_error":null,"updated_at":"2026-11-29T09:45:20.000Z","requested_by":null,"source":"discovery",\
        "started_at":"2026-11-29T08:45:00.000Z","maia_status":"STOPPED","confirmed_at":"2026-11-29T09:45:20.000Z",\
        "warned_at":"2026-11-29T09:40:00.000Z","extended_s":900}
        """

    /// A socket watch as a current daemon sends it, with a Maia status longer than the list's column.
    static let awaitingTask = """
        {"id":"\(thirdTaskID)","state":"watching","watched_at":"2026-11-29T10:00:00.000Z",\
        "deadline":"2026-11-29T10:30:00.000Z","max_runtime_s":1800,"attempts":0,"last_http_status":null,\
        "last_error":null,"updated_at":"2026-11-29T10:00:01.000Z","requested_by":{"uid":1000,"pid":77},\
        "source":"socket","started_at":"2026-11-29T10:00:00.000Z","maia_status":"AWAITING_APPROVAL",\
        "confirmed_at":null,"warned_at":null,"extended_s":0}
        """

    static let taskAnswer = #"{"ok":true,"task":"# + watchingTask + "}"

    static let stoppedTaskAnswer = #"{"ok":true,"task":"# + stoppedTask + "}"

    /// Current records and one from an older daemon (`stoppingTask`), in one list.
    static let mixedListAnswer =
        #"{"ok":true,"tasks":["# + [stoppedTask, stoppingTask, awaitingTask].joined(separator: ",") + "]}"

    static let listAnswer = #"{"ok":true,"tasks":["# + stoppingTask + "," + watchingTask + "]}"

    static let emptyListAnswer = #"{"ok":true,"tasks":[]}"#

    static let daemonAnswer = """
        {"ok":true,"daemon":{"version":"0.1.0","uptime_s":5400,"policy":{"path":"/etc/maia-watchdog/policy.toml",\
        "loaded_at":"2026-11-29T07:30:00Z"},"counts":{"stopping":1,"watching":12,"gave_up":2},"dry_run":false,\
        "api":{"base_url":"https://eu1.api.matillion.com/dpc","token":"ok"}}}
        """

    static let refusal = #"{"ok":false,"error":"invalid_task_id","message":"'abc' is not a task ID (a UUID)"}"#
}
