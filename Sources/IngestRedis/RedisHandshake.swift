/// The commands a connection sends before it is usable, kept apart from the I/O so each
/// path (RESP3, RESP2 fallback, with and without credentials) is unit-tested.
enum RedisHandshake {
    /// `HELLO 3`, with `AUTH` when the URL has a password: one round trip negotiates the
    /// protocol and logs in.
    static func hello(for url: RedisURL) -> [any RESPArgument] {
        var command: [any RESPArgument] = ["HELLO", "3"]
        if let password = url.password {
            command += ["AUTH", url.username ?? "default", password]
        }
        return command
    }

    /// The RESP2 login, or `nil` without a password. The one-argument form is the only one
    /// servers before Redis 6 (which also lack `HELLO`) understand.
    static func auth(for url: RedisURL) -> [any RESPArgument]? {
        guard let password = url.password else { return nil }
        if let username = url.username {
            return ["AUTH", username, password]
        }
        return ["AUTH", password]
    }

    /// `SELECT db`, or `nil` for database 0, which every connection starts in.
    static func select(for url: RedisURL) -> [any RESPArgument]? {
        url.database == 0 ? nil : ["SELECT", url.database]
    }

    /// Whether an error reply to `HELLO` or `AUTH` is about credentials. Those must not
    /// trigger the RESP2 fallback: the fallback would fail the same way, or (without a
    /// password) leave a connection on which every command fails with `NOAUTH`.
    static func isAuthenticationError(_ message: String) -> Bool {
        let code = message.split(separator: " ", maxSplits: 1).first ?? ""
        return code == "WRONGPASS" || code == "NOAUTH" || message.contains("invalid password")
            || message.contains("invalid username-password")
    }
}
