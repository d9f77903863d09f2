import Logging

extension Daemon {
    /// The task store under `options.stateDirectory`. In memory until the durable store lands.
    static func openStore(options: DaemonOptions, logger: Logger) throws(StartFailure) -> any TaskStore {
        InMemoryTaskStore()
    }
}
