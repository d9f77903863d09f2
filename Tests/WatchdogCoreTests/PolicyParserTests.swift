import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

@Suite("Policy file parsing and validation")
struct PolicyParserTests {
    static let exampleTask = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!
    static let otherTask = TaskID("7d2a3c4e-1111-4222-8333-944455556666")!

    /// The contract's example, verbatim, up to the section not built yet (`[metrics]`).
    static let contractExample = """
        max_runtime = "45min"          # systemd time span (90s, 45min, 1h 30min, 2d) or "infinity"
        allow = ["*"]                  # required: ["*"] or a list of task UUIDs; others get not_allowed
        dry_run = false
        retention = "7d"               # how long terminal task records stay visible
        runtime_origin = "created_at"  # or "watch": what a watch without started-at counts its runtime from

        [limits]                       # per-task max runtime; "infinity" exempts the task
        "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11" = "4h"

        [api]
        region = "eu1"                 # eu1 | us1; or base_url = "https://…/dpc" (http:// only to loopback)
        request_timeout = "15s"
        max_requests_per_minute = 900  # client-side limit, below Maia's 1000/min
        max_in_flight = 16

        [auth]                         # where secrets come from; never from this file's own text
        # Default: systemd credentials in $CREDENTIALS_DIRECTORY:
        #   maia-client-id + maia-client-secret  (OAuth client credentials, refreshed before expiry), or
        #   maia-token                           (a static bearer token)
        # When both are present, client credentials win and a warning is logged. Outside systemd, point
        # CREDENTIALS_DIRECTORY at a directory of these files.
        token_url = "https://id.core.matillion.com/oauth/dpc/token"   # form POST: grant_type=client_credentials, client_id, client_secret, audience
        audience = "https://api.matillion.com"

        [retry]                        # for every retryable answer (see "HTTP outcomes")
        initial_backoff = "1s"
        max_backoff = "1min"
        multiplier = 2.0               # full jitter: sleep = random(0, min(max_backoff, initial * multiplier^n))
        give_up_after = "30min"        # counted from the first attempt; then the task is gave_up

        [socket]
        allowed_uids = []              # empty: whoever the socket's file mode lets in
        allowed_gids = []
        extend_uids = []               # who may `extend` and `release`; empty: nobody but root

        [confirm]                      # after a 204, read the task until Maia reports it stopped
        enabled = true
        first_check = "10s"            # first read this long after the 204, then doubling up to max_interval
        max_interval = "1min"
        restop_after = "5min"          # still RUNNING this long after the 204: send the stop again
        give_up_after = "30min"        # not STOPPED/ERRORED by then: state stop_unconfirmed

        [discover]                     # enforce on running tasks that nobody handed over
        enabled = false
        interval = "1min"
        projects = []                  # projectId filter; empty: every task the credentials can list

        [safety]
        warn_before = "0s"             # > 0: log a deadline_warning this long before each deadline
        max_extension = "0s"           # the most `extend` may add to one task, in total; 0: no extensions
        max_stops = 0                  # > 0: more deadline stops than this within `window` opens the breaker
        window = "10min"

        [metrics]
        listen = ""                    # off; "127.0.0.1:9464" or a Unix socket path: OpenMetrics at /metrics
        """

    /// The problems' `--check` lines, or `[]` when the policy is valid.
    private func check(_ text: String) -> [String] {
        switch PolicyParser.parse(text, path: "p.toml") {
        case .success: return []
        case .failure(let problems): return problems.problems.map(\.description)
        }
    }

    private func policy(_ text: String) throws -> Policy {
        try PolicyParser.parse(text, path: "p.toml").get()
    }

    // MARK: - Valid policies

    @Test("the contract's example parses to the exact policy")
    func contractExampleParses() throws {
        let expected = Policy(
            maxRuntime: .finite(.seconds(45 * 60)),
            allow: .everyTask,
            dryRun: false,
            retention: .seconds(7 * 86_400),
            limits: [Self.exampleTask: .finite(.seconds(4 * 3_600))],
            api: .init(
                baseURL: "https://eu1.api.matillion.com/dpc", requestTimeout: .seconds(15), maxRequestsPerMinute: 900,
                maxInFlight: 16),
            auth: .init(
                tokenURL: "https://id.core.matillion.com/oauth/dpc/token", audience: "https://api.matillion.com"),
            retry: .init(
                initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2.0, giveUpAfter: .seconds(1_800)),
            socket: .init(allowedUIDs: [], allowedGIDs: []),
            runtimeOrigin: .createdAt,
            confirm: .init(
                enabled: true, firstCheck: .seconds(10), maxInterval: .seconds(60), restopAfter: .seconds(300),
                giveUpAfter: .seconds(1_800))
        )
        #expect(try policy(Self.contractExample) == expected)
    }

    @Test("runtime_origin and [confirm] are checked key by key")
    func confirmAndOriginProblems() throws {
        let text = """
            allow = ["*"]
            runtime_origin = "creation"
            [confirm]
            enabled = "yes"
            first_check = "2min"
            restop_after = "0s"
            give_up_after = "infinity"
            """
        #expect(
            check(text) == [
                #"p.toml:2: runtime_origin: must be "created_at" or "watch", got "creation""#,
                "p.toml:4: confirm.enabled: expected true or false, got a string",
                "p.toml:5: confirm.first_check: must not be longer than confirm.max_interval (1min, the default)",
                "p.toml:6: confirm.restop_after: must be longer than 0",
                #"p.toml:7: confirm.give_up_after: must be finite, not "infinity""#,
            ])
        let watch = try policy("allow = [\"*\"]\nruntime_origin = \"watch\"\n[confirm]\nenabled = false\n")
        #expect(watch.runtimeOrigin == .watch)
        #expect(!watch.confirm.enabled)
        #expect(
            check("allow = [\"*\"]\n[confirm]\nfirst_check = \"30s\"\nmax_interval = \"20s\"\n") == [
                "p.toml:4: confirm.max_interval: must be at least confirm.first_check (30s)"
            ])
    }

    @Test("the confirmation reads double from first_check up to max_interval")
    func confirmIntervals() {
        let confirm = Policy.ConfirmConfiguration(firstCheck: .seconds(10), maxInterval: .seconds(60))
        #expect((0...5).map { confirm.interval(afterReads: $0) } == [10, 20, 40, 60, 60, 60].map { .seconds($0) })
        let odd = Policy.ConfirmConfiguration(firstCheck: .seconds(7), maxInterval: .seconds(7))
        #expect(odd.interval(afterReads: 1_000_000) == .seconds(7))
    }

    /// A policy that sets every key away from its default (also a seed of the fuzz corpus).
    static let everyKeyNonDefault = """
        max_runtime = "1h 30min"
        allow = [
          "0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11",  # upper case is accepted
          '7d2a3c4e-1111-4222-8333-944455556666',
        ]
        dry_run = true
        retention = "0"

        [limits]
        "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11" = "infinity"
        7d2a3c4e-1111-4222-8333-944455556666 = "10min"

        [api]
        base_url = "http://127.0.0.1:8080/dpc/"
        request_timeout = "2.5s"
        max_requests_per_minute = 1000
        max_in_flight = 1

        [auth]
        token_url = "http://localhost:9000/token"
        audience = "https://example.test/aud"

        [retry]
        initial_backoff = "500ms"
        max_backoff = "2min"
        multiplier = 3
        give_up_after = "1d"

        [socket]
        allowed_uids = [0, 1000, 4294967295]
        allowed_gids = [998]

        [metrics]
        listen = "127.0.0.1:9464"
        """

    @Test("every key set away from its default")
    func everyKeyNonDefault() throws {
        let text = Self.everyKeyNonDefault
        let expected = Policy(
            maxRuntime: .finite(.seconds(5_400)),
            allow: .only([Self.exampleTask, Self.otherTask]),
            dryRun: true,
            retention: .zero,
            limits: [Self.exampleTask: .infinity, Self.otherTask: .finite(.seconds(600))],
            api: .init(
                baseURL: "http://127.0.0.1:8080/dpc", requestTimeout: .milliseconds(2_500), maxRequestsPerMinute: 1000,
                maxInFlight: 1),
            auth: .init(tokenURL: "http://localhost:9000/token", audience: "https://example.test/aud"),
            retry: .init(
                initialBackoff: .milliseconds(500), maxBackoff: .seconds(120), multiplier: 3.0,
                giveUpAfter: .seconds(86_400)),
            socket: .init(allowedUIDs: [0, 1000, 4_294_967_295], allowedGIDs: [998]),
            metrics: .init(listen: .tcp(host: "127.0.0.1", port: 9464))
        )
        #expect(try policy(text) == expected)
    }

    @Test("only allow is required; everything else has its default")
    func defaults() throws {
        #expect(try policy(#"allow = ["*"]"#) == Policy(allow: .everyTask))
        let policy = try policy(#"allow = ["*"]"#)
        #expect(policy.maxRuntime == .finite(.seconds(45 * 60)))
        #expect(policy.api.baseURL == "https://eu1.api.matillion.com/dpc")
    }

    @Test(
        "regions and base URLs",
        arguments: [
            (#"region = "eu1""#, "https://eu1.api.matillion.com/dpc"),
            (#"region = "us1""#, "https://us1.api.matillion.com/dpc"),
            (#"base_url = "https://proxy.example.com/dpc""#, "https://proxy.example.com/dpc"),
            (#"base_url = "https://proxy.example.com:8443/dpc///""#, "https://proxy.example.com:8443/dpc"),
            (#"base_url = "https://proxy.example.com""#, "https://proxy.example.com"),
            (#"base_url = "http://localhost:8080""#, "http://localhost:8080"),
            (#"base_url = "http://LOCALHOST/dpc""#, "http://LOCALHOST/dpc"),
            (#"base_url = "http://127.0.0.1/dpc""#, "http://127.0.0.1/dpc"),
            (#"base_url = "http://127.255.0.9:1/dpc""#, "http://127.255.0.9:1/dpc"),
            (#"base_url = "http://[::1]:8080/dpc""#, "http://[::1]:8080/dpc"),
            (#"base_url = "https://[2001:db8::1]/dpc""#, "https://[2001:db8::1]/dpc"),
        ]
    )
    func baseURL(line: String, url: String) throws {
        #expect(try policy("allow = [\"*\"]\n[api]\n\(line)\n").api.baseURL == url)
    }

    @Test("dotted keys and inline tables are the same as tables")
    func dottedAndInline() throws {
        let dotted = try policy(
            """
            allow = ["*"]
            api.region = "us1"
            retry = { multiplier = 1.5, give_up_after = "1h" }
            """)
        #expect(dotted.api.baseURL == "https://us1.api.matillion.com/dpc")
        #expect(dotted.retry.multiplier == 1.5)
        #expect(dotted.retry.giveUpAfter == .seconds(3_600))
    }

    @Test("the shipped config/policy.toml is valid, a dry run, and admits every task")
    func shippedExample() throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = repository.appendingPathComponent("config/policy.toml").path
        let policy = try PolicyParser.load(path: path).get()
        #expect(policy.dryRun)
        #expect(policy.allow == .everyTask)
        #expect(policy.maxRuntime == .finite(.seconds(45 * 60)))
        #expect(policy.limits == [Self.exampleTask: .finite(.seconds(4 * 3_600))])
        #expect(policy.api == .init())
        #expect(policy.auth == .init())
        #expect(policy.retry == .init())
        #expect(policy.socket == .init())
    }

    // MARK: - One problem of each kind

    @Test(
        "each problem names its line, key path and what is wrong",
        arguments: [
            // Missing and malformed allow.
            (
                #"dry_run = true"#,
                #"p.toml:1: allow: required key is missing; write allow = ["*"] to admit every task, or list task UUIDs"#
            ),
            (
                "allow = \"*\"",
                #"p.toml:1: allow: expected an array such as ["*"] or a list of task UUIDs, got a string"#
            ),
            ("allow = []", #"p.toml:1: allow: must not be empty; write ["*"] to admit every task, or list task UUIDs"#),
            (
                #"allow = ["*", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"]"#,
                #"p.toml:1: allow: "*" cannot be combined with task UUIDs; use ["*"] alone, or list task UUIDs only"#
            ),
            (
                #"allow = ["0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1"]"#,
                #"p.toml:1: allow[0]: "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1" is not a task UUID (8-4-4-4-12 hex digits)"#
            ),
            (#"allow = [42]"#, #"p.toml:1: allow[0]: expected a string, got an integer"#),
            // Top-level values.
            (
                "allow = [\"*\"]\nmax_runtime = \"45 mins\"",
                #"p.toml:2: max_runtime: "45 mins" is not a valid time span: unknown unit "mins"; use us, ms, s, min, h, d, w, M (months) or y"#
            ),
            (
                "allow = [\"*\"]\nmax_runtime = 45",
                #"p.toml:2: max_runtime: expected a time span string such as "15s" or "45min", got an integer"#
            ),
            (
                "allow = [\"*\"]\nmax_runtime = \"0\"",
                #"p.toml:2: max_runtime: must be longer than 0 (use "infinity" for no limit)"#
            ),
            (
                "allow = [\"*\"]\nmax_runtime = \"-5min\"",
                #"p.toml:2: max_runtime: "-5min" is not a valid time span: time spans cannot be negative"#
            ),
            ("allow = [\"*\"]\ndry_run = \"yes\"", #"p.toml:2: dry_run: expected true or false, got a string"#),
            ("allow = [\"*\"]\nretention = \"infinity\"", #"p.toml:2: retention: must be finite, not "infinity""#),
            (
                "allow = [\"*\"]\nretention = \"\"",
                #"p.toml:2: retention: "" is not a valid time span: empty time span; write e.g. "90s", "45min", "1h 30min" or "infinity""#
            ),
            // Unknown keys and tables.
            ("allow = [\"*\"]\nmax_runtim = \"1h\"", #"p.toml:2: max_runtim: unknown key (did you mean max_runtime?)"#),
            ("allow = [\"*\"]\n\n[apis]\nregion = \"eu1\"", #"p.toml:3: apis: unknown table (did you mean api?)"#),
            ("allow = [\"*\"]\n[extra]", #"p.toml:2: extra: unknown table"#),
            ("allow = [\"*\"]\nregion = \"eu1\"", #"p.toml:2: region: unknown key (it belongs in [api])"#),
            (
                "allow = [\"*\"]\n[api]\ndry_run = true",
                #"p.toml:3: api.dry_run: unknown key (it belongs at the top of the file, before any [table])"#
            ),
            (
                "allow = [\"*\"]\n[retry]\nmax_backof = \"1min\"",
                #"p.toml:3: retry.max_backof: unknown key (did you mean max_backoff?)"#
            ),
            ("allow = [\"*\"]\n[socket]\nmode = 0o660", #"p.toml:3: socket.mode: unknown key"#),
            (
                "allow = [\"*\"]\napi_key = \"sk-live-123\"",
                #"p.toml:2: api_key: unknown key; secrets belong in systemd credentials (maia-client-id and maia-client-secret, or maia-token, in $CREDENTIALS_DIRECTORY), never in the policy file"#
            ),
            ("allow = [\"*\"]\napi = \"eu1\"", #"p.toml:2: api: expected a table, got a string"#),
            ("allow = [\"*\"]\n[[api]]\nregion = \"eu1\"", #"p.toml:2: api: expected a table, got an array"#),
            // [limits].
            (
                "allow = [\"*\"]\n[limits]\n\"abc\" = \"1h\"",
                #"p.toml:3: limits.abc: "abc" is not a task UUID (8-4-4-4-12 hex digits)"#
            ),
            (
                "allow = [\"*\"]\n[limits]\n\"not a uuid\" = \"1h\"",
                #"p.toml:3: limits."not a uuid": "not a uuid" is not a task UUID (8-4-4-4-12 hex digits)"#
            ),
            (
                "allow = [\"*\"]\n[limits]\n0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = \"4 hours and a bit\"",
                #"p.toml:3: limits.0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11: "4 hours and a bit" is not a valid time span: expected a number at "and a bit""#
            ),
            (
                "allow = [\"*\"]\n[limits]\n0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = \"0s\"",
                #"p.toml:3: limits.0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11: must be longer than 0 (use "infinity" to exempt the task)"#
            ),
            (
                "allow = [\"7d2a3c4e-1111-4222-8333-944455556666\"]\n[limits]\n0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = \"1h\"",
                #"p.toml:3: limits.0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11: task is not in allow, so this limit could never apply"#
            ),
            (
                "allow = [\"*\"]\n[limits]\n0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = \"1h\"\n0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11 = \"2h\"",
                #"p.toml:4: limits.0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11: duplicate limit: limits.0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 names the same task (task IDs ignore letter case)"#
            ),
            ("allow = [\"*\"]\nlimits = [\"1h\"]", #"p.toml:2: limits: expected a table, got an array"#),
            // [api].
            ("allow = [\"*\"]\n[api]\nregion = \"eu2\"", #"p.toml:3: api.region: must be "eu1" or "us1", got "eu2""#),
            (
                "allow = [\"*\"]\n[api]\nregion = \"eu1\"\nbase_url = \"https://x.example/dpc\"",
                #"p.toml:4: api.base_url: cannot be combined with api.region; set one or the other"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"http://maia.example/dpc\"",
                #"p.toml:3: api.base_url: must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"http://128.0.0.1/dpc\"",
                #"p.toml:3: api.base_url: must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"http://127.0.0.1.example/dpc\"",
                #"p.toml:3: api.base_url: must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"http://[::2]/dpc\"",
                #"p.toml:3: api.base_url: must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"ftp://x.example/dpc\"",
                #"p.toml:3: api.base_url: must use https://"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"https://x.example/dpc?region=eu\"",
                #"p.toml:3: api.base_url: must not have a query (?…) or fragment (#…); request paths are appended to it"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"https://x.example/dpc#top\"",
                #"p.toml:3: api.base_url: must not have a query (?…) or fragment (#…); request paths are appended to it"#
            ),
            ("allow = [\"*\"]\n[api]\nbase_url = \"https:///dpc\"", #"p.toml:3: api.base_url: must name a host"#),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"x.example/dpc\"",
                #"p.toml:3: api.base_url: must be an absolute URL such as https://host/path"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"https://x.example:99999/dpc\"",
                #"p.toml:3: api.base_url: has an invalid port (1-65535)"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"https://x y.example/dpc\"",
                #"p.toml:3: api.base_url: must not contain spaces, control or non-ASCII characters (percent-encode them)"#
            ),
            (
                "allow = [\"*\"]\n[api]\nbase_url = \"https://me:hunter2@x.example/dpc\"",
                #"p.toml:3: api.base_url: must not contain a user name or password; secrets belong in systemd credentials, never in the policy file"#
            ),
            (
                "allow = [\"*\"]\n[api]\nrequest_timeout = \"infinity\"",
                #"p.toml:3: api.request_timeout: must be finite, not "infinity""#
            ),
            (
                "allow = [\"*\"]\n[api]\nrequest_timeout = \"0\"",
                #"p.toml:3: api.request_timeout: must be longer than 0"#
            ),
            (
                "allow = [\"*\"]\n[api]\nmax_requests_per_minute = 1001",
                #"p.toml:3: api.max_requests_per_minute: must be between 1 and 1000 (Maia allows 1000 requests a minute), got 1001"#
            ),
            (
                "allow = [\"*\"]\n[api]\nmax_requests_per_minute = 0",
                #"p.toml:3: api.max_requests_per_minute: 0 (no limit) is allowed only with a loopback api.base_url; Maia allows 1000 requests a minute"#
            ),
            (
                "allow = [\"*\"]\n[api]\nmax_requests_per_minute = 900.0",
                #"p.toml:3: api.max_requests_per_minute: expected an integer, got a float"#
            ),
            ("allow = [\"*\"]\n[api]\nmax_in_flight = 0", #"p.toml:3: api.max_in_flight: must be at least 1, got 0"#),
            // [auth].
            (
                "allow = [\"*\"]\n[auth]\ntoken_url = \"http://id.example/token\"",
                #"p.toml:3: auth.token_url: must use https:// (http:// is allowed only to localhost, 127.0.0.0/8 or [::1])"#
            ),
            ("allow = [\"*\"]\n[auth]\naudience = 42", #"p.toml:3: auth.audience: expected a string, got an integer"#),
            // [retry].
            (
                "allow = [\"*\"]\n[retry]\ninitial_backoff = \"0\"",
                #"p.toml:3: retry.initial_backoff: must be longer than 0"#
            ),
            (
                "allow = [\"*\"]\n[retry]\ninitial_backoff = \"2s\"\nmax_backoff = \"1s\"",
                #"p.toml:4: retry.max_backoff: must be at least retry.initial_backoff (2s)"#
            ),
            (
                "allow = [\"*\"]\n[retry]\ninitial_backoff = \"2min\"",
                #"p.toml:3: retry.initial_backoff: must not be longer than retry.max_backoff (1min, the default)"#
            ),
            (
                "allow = [\"*\"]\n[retry]\nmax_backoff = \"infinity\"",
                #"p.toml:3: retry.max_backoff: must be finite, not "infinity""#
            ),
            (
                "allow = [\"*\"]\n[retry]\nmultiplier = 0.5",
                #"p.toml:3: retry.multiplier: must be at least 1.0, got 0.5"#
            ),
            (
                "allow = [\"*\"]\n[retry]\nmultiplier = nan",
                #"p.toml:3: retry.multiplier: must be a finite number, got nan"#
            ),
            (
                "allow = [\"*\"]\n[retry]\nmultiplier = \"2\"",
                #"p.toml:3: retry.multiplier: expected a number, got a string"#
            ),
            (
                "allow = [\"*\"]\n[retry]\ngive_up_after = \"infinity\"",
                #"p.toml:3: retry.give_up_after: must be finite, not "infinity""#
            ),
            // [socket].
            (
                "allow = [\"*\"]\n[socket]\nallowed_uids = [-1]",
                #"p.toml:3: socket.allowed_uids[0]: must be between 0 and 4294967295, got -1"#
            ),
            (
                "allow = [\"*\"]\n[socket]\nallowed_gids = [0, 4294967296]",
                #"p.toml:3: socket.allowed_gids[1]: must be between 0 and 4294967295, got 4294967296"#
            ),
            (
                "allow = [\"*\"]\n[socket]\nallowed_uids = [\"root\"]",
                #"p.toml:3: socket.allowed_uids[0]: expected a numeric ID, got a string"#
            ),
            (
                "allow = [\"*\"]\n[socket]\nallowed_gids = 100",
                #"p.toml:3: socket.allowed_gids: expected an array of numeric IDs, got an integer"#
            ),
        ]
    )
    func oneProblem(text: String, expected: String) {
        #expect(check(text) == [expected])
    }

    @Test("a secret in [auth] is refused without repeating its value")
    func secretInAuth() {
        let problems = check(
            """
            allow = ["*"]
            [auth]
            token_url = "https://id.core.matillion.com/oauth/dpc/token"
            client_secret = "s3cr3t-value"
            """)
        #expect(
            problems == [
                "p.toml:4: auth.client_secret: not allowed: [auth] takes only token_url and audience; secrets belong "
                    + "in systemd credentials (maia-client-id and maia-client-secret, or maia-token, "
                    + "in $CREDENTIALS_DIRECTORY), never in the policy file"
            ])
        #expect(!problems.joined().contains("s3cr3t"))
    }

    @Test("a password in a URL is refused without repeating it")
    func passwordInURL() {
        let problems = check("allow = [\"*\"]\n[auth]\ntoken_url = \"https://client:hunter2@id.example/token\"")
        #expect(problems.count == 1)
        #expect(!problems.joined().contains("hunter2"))
    }

    // MARK: - Many problems at once

    @Test("every problem in a file is reported, sorted by line")
    func everyProblem() {
        let text = """
            # a policy with one mistake per section
            max_runtime = "45 minutes please"
            allow = [
              "*",
              "not-a-uuid",
            ]
            colour = "blue"

            [limits]
            "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11" = "4h"

            [api]
            region = "eu1"
            base_url = "http://maia.example/dpc?x=1"
            max_in_flight = -3

            [auth]
            client_id = "abc"

            [retry]
            multiplier = 0.9

            [socket]
            allowed_uids = [1000, -1]
            """
        #expect(
            check(text) == [
                #"p.toml:2: max_runtime: "45 minutes please" is not a valid time span: expected a number at "please""#,
                #"p.toml:3: allow[1]: "not-a-uuid" is not a task UUID (8-4-4-4-12 hex digits)"#,
                #"p.toml:3: allow: "*" cannot be combined with task UUIDs; use ["*"] alone, or list task UUIDs only"#,
                "p.toml:7: colour: unknown key",
                "p.toml:14: api.base_url: cannot be combined with api.region; set one or the other",
                "p.toml:14: api.base_url: must not have a query (?…) or fragment (#…); request paths are appended to it",
                "p.toml:15: api.max_in_flight: must be at least 1, got -3",
                "p.toml:18: auth.client_id: not allowed: [auth] takes only token_url and audience; secrets belong in "
                    + "systemd credentials (maia-client-id and maia-client-secret, or maia-token, "
                    + "in $CREDENTIALS_DIRECTORY), never in the policy file",
                "p.toml:21: retry.multiplier: must be at least 1.0, got 0.9",
                "p.toml:24: socket.allowed_uids[1]: must be between 0 and 4294967295, got -1",
            ])
    }

    @Test("a limit is checked against allow only when allow itself is valid")
    func limitsAgainstBrokenAllow() {
        let text = """
            allow = ["bogus"]
            [limits]
            0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = "1h"
            """
        #expect(check(text) == [#"p.toml:1: allow[0]: "bogus" is not a task UUID (8-4-4-4-12 hex digits)"#])
    }

    @Test("lines are counted the same with CRLF line endings and a byte order mark")
    func crlfAndBOM() {
        let text = "\u{FEFF}allow = [\"*\"]\r\n# comment\r\n[api]\r\nregion = \"eu2\"\r\n"
        #expect(check(text) == [#"p.toml:4: api.region: must be "eu1" or "us1", got "eu2""#])
    }

    // MARK: - Syntax errors and files

    @Test("a syntax error is PATH:LINE:COLUMN")
    func syntaxError() throws {
        let result = PolicyParser.parse("allow = [\"*\"]\n\n[api]\nregion = eu1\n", path: "/etc/p.toml")
        let problems = try #require(result.failure).problems
        #expect(problems.count == 1)
        #expect(problems[0].line == 4)
        #expect(problems[0].column != nil)
        #expect(problems[0].keyPath == nil)
        #expect(problems[0].description.hasPrefix("/etc/p.toml:4:\(problems[0].column!): "))
    }

    @Test("a duplicate key is a syntax error at its line")
    func duplicateKey() throws {
        let problems = try #require(
            PolicyParser.parse("allow = [\"*\"]\ndry_run = true\ndry_run = false\n", path: "p").failure)
        #expect(problems.problems.map(\.line) == [3])
    }

    @Test("a NUL byte is refused instead of silently ending the file")
    func nulByte() throws {
        let problems = try #require(PolicyParser.parse("allow = [\"*\"]\ndry_run = true\0\nx = 1", path: "p").failure)
        #expect(
            problems.description
                == "p:2:15: expected the end of the line after the value, found the control character U+0000 (NUL)")
    }

    @Test("an unreadable file is a problem at line 1")
    func unreadable() throws {
        let problems = try #require(PolicyParser.load(path: "/nonexistent/maia/policy.toml").failure).problems
        #expect(
            problems == [
                PolicyProblem(
                    path: "/nonexistent/maia/policy.toml", line: 1,
                    message: "cannot open the policy file: No such file or directory")
            ])
        #expect(
            problems[0].description
                == "/nonexistent/maia/policy.toml:1: cannot open the policy file: No such file or directory")
    }

    @Test("a directory is not a policy file")
    func directory() throws {
        let problems = try #require(PolicyParser.load(path: "/").failure).problems
        #expect(problems.map(\.description) == ["/:1: cannot read the policy file: Is a directory"])
    }

    @Test("load reads and parses a file")
    func loadReadsFile() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("policy-\(UUID().uuidString).toml").path
        try Data(Self.contractExample.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try PolicyParser.load(path: path).get() == policy(Self.contractExample))
        try Data([0x61, 0x6C, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(PolicyParser.load(path: path).failure?.description == "\(path):1: the policy file is not valid UTF-8")
    }

    // MARK: - Problem rendering

    @Test("problem lines follow the contract's formats")
    func problemFormats() {
        #expect(PolicyProblem(path: "a.toml", line: 3, column: 7, message: "bad").description == "a.toml:3:7: bad")
        #expect(
            PolicyProblem(path: "a.toml", line: 3, keyPath: "api.region", message: "bad").description
                == "a.toml:3: api.region: bad")
        #expect(PolicyProblem(path: "a.toml", line: 1, message: "unreadable").description == "a.toml:1: unreadable")
        let problems = PolicyProblems([
            PolicyProblem(path: "a", line: 1, keyPath: "x", message: "one"),
            PolicyProblem(path: "a", line: 2, keyPath: "y", message: "two"),
        ])
        #expect(problems.description == "a:1: x: one\na:2: y: two")
    }

    // MARK: - Where problems are reported

    @Test("a value's problem is at its key's line, wherever the key was written")
    func problemLines() {
        let text = """
            # header
            allow = [
              "*",
              "bogus",
            ]
            api = { region = "eu2" }
            [retry]
            multiplier = 0.5
            [limits]
            "not a uuid" = "1h"
            """
        #expect(
            check(text) == [
                #"p.toml:2: allow[1]: "bogus" is not a task UUID (8-4-4-4-12 hex digits)"#,
                #"p.toml:2: allow: "*" cannot be combined with task UUIDs; use ["*"] alone, or list task UUIDs only"#,
                #"p.toml:6: api.region: must be "eu1" or "us1", got "eu2""#,
                "p.toml:8: retry.multiplier: must be at least 1.0, got 0.5",
                #"p.toml:10: limits."not a uuid": "not a uuid" is not a task UUID (8-4-4-4-12 hex digits)"#,
            ])
    }

    // MARK: - Summary

    @Test("the --check summary shows the policy on one screen")
    func summary() throws {
        let summary = try policy(Self.contractExample).summary(path: "/etc/maia-watchdog/policy.toml")
        #expect(
            summary == """
                policy /etc/maia-watchdog/policy.toml is valid
                  max runtime       45min
                  allowed tasks     every task
                  per-task limits   1 (0 exempt)
                  dry run           no: overdue tasks are stopped
                  retention         1w
                  runtime origin    the task's createdAt, when earlier than the watch
                  API base URL      https://eu1.api.matillion.com/dpc
                  request timeout   15s
                  rate limit        900 requests/min, at most 16 in flight
                  retry backoff     up to 1s, 2s, 4s, 8s, 16s, 32s, then 1min (full jitter)
                  give up after     30min
                  token URL         https://id.core.matillion.com/oauth/dpc/token
                  token audience    https://api.matillion.com
                  socket access     anyone the socket's file mode lets in
                  confirm stops     reads after 10s, doubling up to 1min; again after 5min; unconfirmed after 30min
                  discovery         no: only tasks handed over are enforced
                  metrics           not served (maia-watchdogctl metrics still answers)
                """)
        #expect(summary.split(separator: "\n").count <= 24)
    }

    @Test("the summary counts task IDs, exempt limits and socket IDs")
    func summaryDetails() throws {
        let text = """
            max_runtime = "infinity"
            allow = ["0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11", "7d2a3c4e-1111-4222-8333-944455556666"]
            dry_run = true
            [limits]
            0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 = "infinity"
            7d2a3c4e-1111-4222-8333-944455556666 = "1h"
            [retry]
            multiplier = 1
            [socket]
            allowed_uids = [0, 1000]
            allowed_gids = [998]
            """
        let summary = try policy(text).summary(path: "p")
        #expect(summary.contains("max runtime       infinity (no limit)\n"))
        #expect(summary.contains("allowed tasks     2 task IDs\n"))
        #expect(summary.contains("per-task limits   2 (1 exempt)\n"))
        #expect(summary.contains(#"dry run           yes: overdue tasks are logged as "would stop", never stopped"#))
        #expect(summary.contains("retry backoff     up to 1s each time (full jitter)\n"))
        #expect(summary.contains("socket access     UIDs 0, 1000; GIDs 998\n"))
        #expect(
            summary.contains(
                "confirm stops     reads after 10s, doubling up to 1min; again after 5min; unconfirmed after 30min\n"))
        #expect(summary.contains("discovery         no: only tasks handed over are enforced\n"))
        #expect(summary.hasSuffix("metrics           not served (maia-watchdogctl metrics still answers)"))
    }

    @Test("[metrics] listen: off, an address with a port, a bare port on loopback, a Unix socket; and what is refused")
    func metricsSection() throws {
        func listen(_ value: String) throws -> Policy.MetricsListen {
            try policy("allow = [\"*\"]\n[metrics]\nlisten = \"\(value)\"\n").metrics.listen
        }
        #expect(try policy("allow = [\"*\"]\n").metrics.listen == .off)
        #expect(try listen("") == .off)
        #expect(try listen("127.0.0.1:9464") == .tcp(host: "127.0.0.1", port: 9464))
        #expect(try listen("9464") == .tcp(host: "127.0.0.1", port: 9464))
        #expect(try listen("localhost:9464") == .tcp(host: "127.0.0.1", port: 9464))
        #expect(try listen("[::1]:9464") == .tcp(host: "::1", port: 9464))
        #expect(try listen("0.0.0.0:0") == .tcp(host: "0.0.0.0", port: 0))
        #expect(try listen("/run/maia-watchdogd/metrics.sock") == .unix(path: "/run/maia-watchdogd/metrics.sock"))
        #expect(try listen("[::1]:9464").description == "[::1]:9464")
        #expect(try listen("[::1]:9464").isLocal && listen("127.0.0.2:1").isLocal && !listen("10.0.0.1:9464").isLocal)
        let local = try policy("allow = [\"*\"]\n[metrics]\nlisten = \"9464\"\n").summary(path: "p")
        #expect(local.hasSuffix("metrics           http://127.0.0.1:9464/metrics"))
        let open = try policy("allow = [\"*\"]\n[metrics]\nlisten = \"0.0.0.0:9464\"\n").summary(path: "p")
        #expect(
            open.hasSuffix("metrics           http://0.0.0.0:9464/metrics (not loopback: reachable from the network)"))

        let expected = #"expected "", "HOST:PORT", "PORT" or an absolute socket path"#
        let long = "/" + String(repeating: "s", count: 200)
        let cases: [(String, String)] = [
            (
                "example.com:9464",
                #"\#(expected), got "example.com:9464": the host must be an IP address (127.0.0.1, [::1]) or localhost, got "example.com""#
            ),
            ("127.0.0.1:65536", #"\#(expected), got "127.0.0.1:65536": the port must be a number from 0 to 65535"#),
            ("127.0.0.1:", #"\#(expected), got "127.0.0.1:": the port must be a number from 0 to 65535"#),
            ("metrics.sock", #"\#(expected), got "metrics.sock": the port must be a number from 0 to 65535"#),
            (
                "1.2.3:80",
                #"\#(expected), got "1.2.3:80": the host must be an IP address (127.0.0.1, [::1]) or localhost, got "1.2.3""#
            ),
            (
                "256.0.0.1:80",
                #"\#(expected), got "256.0.0.1:80": the host must be an IP address (127.0.0.1, [::1]) or localhost, got "256.0.0.1""#
            ),
            ("[g::1]:80", #"\#(expected), got "[g::1]:80": "[g::1]" is no IPv6 address"#),
            (long, "a socket path must be at most 107 bytes, got 201"),
        ]
        for (value, message) in cases {
            #expect(
                check("allow = [\"*\"]\n[metrics]\nlisten = \"\(value)\"\n") == ["p.toml:3: metrics.listen: \(message)"]
            )
        }
        #expect(
            check("allow = [\"*\"]\n[metrics]\nlisten = 9464\nport = 1\n") == [
                "p.toml:3: metrics.listen: expected a string, got an integer",
                "p.toml:4: metrics.port: unknown key",
            ])
    }

    @Test("[discover]: interval, projects, and the summary's line")
    func discoverSection() throws {
        let valid = try policy(
            """
            allow = ["*"]
            [discover]
            enabled = true
            interval = "5min"
            projects = ["p-1", "p-2"]
            """)
        #expect(valid.discover == .init(enabled: true, interval: .seconds(300), projects: ["p-1", "p-2"]))
        #expect(valid.discover.listings == ["p-1", "p-2"])
        #expect(Policy.DiscoverConfiguration().listings == [nil])
        #expect(valid.summary(path: "p").contains("discovery         every 5min: projects p-1, p-2\n"))
        let unfiltered = try policy("allow = [\"*\"]\n[discover]\nenabled = true\n")
        #expect(
            unfiltered.summary(path: "p").contains(
                "discovery         every 1min: every task the credentials can list\n")
        )
        let problems = check(
            """
            allow = ["*"]
            [discover]
            interval = "500ms"
            projects = ["a", 3, "a", "", "b c"]
            enable = true
            """)
        #expect(
            problems == [
                "p.toml:3: discover.interval: must be at least 1s, got 500ms",
                "p.toml:4: discover.projects[1]: expected a project ID (a string), got an integer",
                #"p.toml:4: discover.projects[2]: lists project "a" twice"#,
                #"p.toml:4: discover.projects[3]: must be a project ID without spaces or control characters, got """#,
                #"p.toml:4: discover.projects[4]: must be a project ID without spaces or control characters, got "b c""#,
                "p.toml:5: discover.enable: unknown key (did you mean enabled?)",
            ])
        #expect(check("allow = [\"*\"]\n[discover]\nprojects = \"p\"\ninterval = \"infinity\"\n").count == 2)
    }

    @Test func noRateLimitOnlyForALoopbackEndpoint() throws {
        let local = try PolicyParser.parse(
            "allow = [\"*\"]\n[api]\nbase_url = \"http://127.0.0.1:8080/dpc\"\nmax_requests_per_minute = 0\n",
            path: "p.toml"
        ).get()
        #expect(local.api.maxRequestsPerMinute == 0)
        let remote = PolicyParser.parse(
            "allow = [\"*\"]\n[api]\nbase_url = \"https://eu1.api.matillion.com/dpc\"\nmax_requests_per_minute = 0\n",
            path: "p.toml")
        #expect((try? remote.get()) == nil)
    }

}

extension Result {
    /// The error of a failure, for `#require`.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
