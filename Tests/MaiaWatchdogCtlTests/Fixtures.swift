/// Response lines and IDs the tests script the fake daemon with.
enum Fixtures {
    static let taskID = "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"
    static let otherTaskID = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b"

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

    static let taskAnswer = #"{"ok":true,"task":"# + watchingTask + "}"

    static let listAnswer = #"{"ok":true,"tasks":["# + stoppingTask + "," + watchingTask + "]}"

    static let emptyListAnswer = #"{"ok":true,"tasks":[]}"#

    static let daemonAnswer = """
        {"ok":true,"daemon":{"version":"0.1.0","uptime_s":5400,"policy":{"path":"/etc/maia-watchdog/policy.toml",\
        "loaded_at":"2026-11-29T07:30:00Z"},"counts":{"stopping":1,"watching":12,"gave_up":2},"dry_run":false,\
        "api":{"base_url":"https://eu1.api.matillion.com/dpc","token":"ok"}}}
        """

    static let refusal = #"{"ok":false,"error":"invalid_task_id","message":"'abc' is not a task ID (a UUID)"}"#
}
