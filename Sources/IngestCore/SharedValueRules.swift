/// The checks both brokers make on shared-value arguments (`Broker.setSharedValue`,
/// `Broker.expireSharedValue`), written once so that SQLite and Redis refuse the same calls.
public enum SharedValueRules {
    /// An expiry for `setSharedValue`: none, or a finite number of seconds above 0 (Redis refuses
    /// `SET ... PX 0`; a value that is gone as it is stored is a mistake in the caller).
    /// - Throws: `IngestError.invalidOption`.
    public static func checkExpiry(_ expiresIn: Double?) throws {
        guard let expiresIn else { return }
        guard expiresIn.isFinite, expiresIn > 0 else {
            throw IngestError.invalidOption(
                name: "shared value expiry", reason: "\(expiresIn) s; give a number of seconds above 0, or none to keep the value")
        }
    }

    /// A delay for `expireSharedValue`: any finite number of seconds (0 or less deletes at once).
    /// - Throws: `IngestError.invalidOption`.
    public static func checkDelay(_ seconds: Double) throws {
        guard seconds.isFinite else {
            throw IngestError.invalidOption(name: "shared value expiry", reason: "\(seconds) s; give a finite number of seconds")
        }
    }
}
