import MaiaClient

// The daemon's clocks drive the Maia client too (token refresh, rate limiter), so that tests move one manual clock
// for everything. The requirements are the same, so the conformances are empty.
extension SystemWallClock: ClientClock {}
extension ManualWallClock: ClientClock {}
