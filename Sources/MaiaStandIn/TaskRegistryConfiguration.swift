import Foundation

/// How the stand-in's task registry behaves: whether it creates tasks it has not seen, how accepted stops progress,
/// and its clock.
public struct TaskRegistryConfiguration: Sendable {
    /// Whether a stop or a read naming a task the registry has not seen creates it (`RUNNING`, `createdAt` = now), as
    /// if the task had been running in Maia all along. When `false`, such a stop gets the scripted or default answer
    /// and leaves no task behind, and such a read is 404: the stand-in before the registry, which existing tests
    /// rely on. Tasks set with ``MaiaStandIn/setTask(_:)`` or added otherwise follow the registry either way.
    public var createsTasksOnMention: Bool
    /// How a task that accepted a stop becomes `STOPPED`, unless set for the task
    /// (``MaiaStandIn/setStopProgress(_:for:)``).
    public var stopProgress: StopProgress
    /// The `projectId` of tasks the registry creates without one.
    public var projectID: String
    /// The registry's clock: `createdAt` and `modifiedAt` of the tasks it creates or changes, and the time
    /// ``StopProgress/after(_:)`` measures. Called once per request, outside the stand-in's lock.
    public var now: @Sendable () -> Date

    /// Creates a configuration; the defaults are Maia's behaviour on the system clock.
    public init(
        createsTasksOnMention: Bool = true,
        stopProgress: StopProgress = .default,
        projectID: String = StandInTask.defaultProjectID,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.createsTasksOnMention = createsTasksOnMention
        self.stopProgress = stopProgress
        self.projectID = projectID
        self.now = now
    }

    /// Maia's behaviour: tasks are created on first mention, `.reads(1)`, the system clock.
    public static var maia: TaskRegistryConfiguration { TaskRegistryConfiguration() }

    /// Only tasks set or added explicitly are known (``createsTasksOnMention`` off): the default of
    /// ``MaiaStandIn/start(host:port:basePath:acceptedTokens:tokenEndpoint:registry:onRequest:)``, so that a stop of
    /// an unknown task keeps getting the default answer however often it is sent.
    public static var setTasksOnly: TaskRegistryConfiguration {
        TaskRegistryConfiguration(createsTasksOnMention: false)
    }
}
