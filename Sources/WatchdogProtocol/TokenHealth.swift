/// Whether the daemon holds a usable Maia token: `daemon.api.token` of a `status` response.
public enum TokenHealth: String, Sendable, Codable, CaseIterable {
    case ok
    case missing
    case failing
}
