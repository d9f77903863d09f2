import FoundationEssentials
import Glibc
import Logging

extension Daemon.ExitStatus {
    /// EX_DATAERR: the saved state is unusable (unreadable, corrupt, foreign, or from a newer
    /// schema). The daemon refuses to start rather than discard it; see `--check-state`.
    public static let state: Int32 = 65
}

extension Daemon {
    /// The durable task store under `options.stateDirectory` (created 0700 if missing).
    static func openStore(
        options: DaemonOptions, metrics: DaemonMetrics, logger: Logger
    ) async throws(StartFailure) -> any TaskStore {
        do {
            let store = try await SQLiteTaskStore.open(
                directory: options.stateDirectory, logger: logger, metrics: metrics)
            logger.info("task store \(store.path) opened")
            return store
        } catch {
            throw stateFailure(error, directory: options.stateDirectory)
        }
    }

    /// A failure to load the saved records (at `restore()`): the state's exit status when the
    /// store is to blame.
    static func restoreFailure(_ error: any Error, options: DaemonOptions) -> StartFailure {
        guard error is TaskStoreError else {
            return StartFailure("cannot load saved state: \(error)", status: ExitStatus.failure, errno: EIO)
        }
        return stateFailure(error, directory: options.stateDirectory)
    }

    private static func stateFailure(_ error: any Error, directory: String) -> StartFailure {
        StartFailure(
            "\(error). Nothing was discarded; inspect it with `maia-watchdogd --check-state --state-dir \(directory)` "
                + "(repair: docs/operations.md, \"Saved state\")",
            status: ExitStatus.state, errno: EUCLEAN)
    }

    /// `maia-watchdogd --check-state`: opens the store read-only, runs the full integrity check,
    /// and prints a summary on stdout (exit 0) or the problem on stderr (exit 65).
    public static func checkState(stateDirectory: String) -> Int32 {
        do {
            guard let inspection = try TaskStoreInspection.inspect(directory: stateDirectory) else {
                print("store: \(stateDirectory)/\(SQLiteTaskStore.fileName) does not exist (nothing saved yet)")
                return ExitStatus.success
            }
            print(inspection.summary)
            return ExitStatus.success
        } catch {
            printError("\(error)")
            return ExitStatus.state
        }
    }
}
