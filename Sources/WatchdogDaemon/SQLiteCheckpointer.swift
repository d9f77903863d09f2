import CSQLite
import Dispatch
import Logging

/// Copies the store's write-ahead log back into the database file, on a connection and a queue
/// of its own, so that no commit ever waits for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages: that commit
/// (and every stop attempt and `watch` answer waiting on it) then also waits for the copy and an
/// fsync of the database file, which measured as the worst deadline lateness (8 ms at p99 and 27
/// ms at worst with 50,000 tasks over 30 s, against 3 ms and 22 ms without it; see
/// docs/performance.md). A checkpoint running beside the commits is no better: its fsync of the
/// database file delays the commits' own fsyncs (14 ms at p99, 129 ms at worst).
///
/// So the writer's connection has `wal_autocheckpoint = 0`, and this runs a PASSIVE checkpoint
/// once the store has been quiet for `quiet` (a second), or after `cap` commits without one, so
/// that the log stays bounded under a load that never pauses. A quiet store arms no timer: an
/// idle daemon does not wake up for this.
final class SQLiteCheckpointer: @unchecked Sendable {
    // `@unchecked Sendable`: every mutable property is touched only on `queue`.
    private let path: String
    private let queue = DispatchQueue(label: "maia-watchdog.task-store.checkpoint")
    private var connection: SQLiteConnection?
    private var closed = false
    private let logger: Logger?
    private let quiet: DispatchTimeInterval
    private let cap: Int
    /// Commits since the last checkpoint, and whether a quiet-time check is armed.
    private var commits = 0
    private var commitsAtArming = 0
    private var armed = false

    init(path: String, quiet: DispatchTimeInterval = .seconds(1), cap: Int = 10_000, logger: Logger? = nil) {
        self.path = path
        self.quiet = quiet
        self.cap = cap
        self.logger = logger
    }

    /// Called after each commit.
    func committed() {
        queue.async {
            guard !self.closed else { return }
            self.commits += 1
            if self.commits >= self.cap {
                self.run()
            } else if !self.armed {
                self.arm()
            }
        }
    }

    /// Checks again after `quiet`: checkpoints if no commit came meanwhile, else waits on.
    private func arm() {
        armed = true
        commitsAtArming = commits
        queue.asyncAfter(deadline: .now() + quiet) {
            self.armed = false
            guard !self.closed, self.commits > 0 else { return }
            if self.commits == self.commitsAtArming { self.run() } else { self.arm() }
        }
    }

    private func run() {
        commits = 0
        guard !closed else { return }
        do throws(SQLiteError) {
            if connection == nil {
                let opened = try SQLiteConnection(path: path)
                try opened.execute("PRAGMA busy_timeout = 5000")
                try opened.execute("PRAGMA synchronous = FULL")
                connection = opened
            }
            try connection?.execute("PRAGMA wal_checkpoint(PASSIVE)")
        } catch {
            // Not fatal: the log keeps growing until a later checkpoint succeeds (the writer's
            // commits are unaffected); the file is checkpointed at close in any case.
            logger?.warning("checkpoint of \(path) failed: \(error)")
        }
    }

    /// Closes the connection; waits for a checkpoint in progress.
    func close() {
        queue.sync {
            closed = true
            connection?.close()
            connection = nil
        }
    }
}
