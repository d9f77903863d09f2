/// The version reported by `--version`, `status` and the HTTP User-Agent.
public enum MaiaWatchdogVersion {
    public static let current = "0.1.0"
}
