/// The `server:` section of the configuration file: who may call `ingest serve`'s API, and its TLS files.
public struct ServerSettings: Sendable, Equatable, CustomStringConvertible {
    /// What a bearer token lets its holder do.
    public enum Role: String, Sendable, Equatable {
        /// Look at jobs, queues, workers, failures, the catalog and metrics.
        case read
        /// Also submit, stop and requeue jobs.
        case operate
    }

    public struct Token: Sendable, Equatable, CustomStringConvertible {
        /// Names the token in logs (never the secret itself).
        public var name: String
        public var secret: String
        public var role: Role

        public init(name: String, secret: String, role: Role) {
            self.name = name
            self.secret = secret
            self.role = role
        }

        public var description: String { "\(name) (\(role.rawValue))" }
    }

    public var tokens: [Token] = []
    /// The bearer token `/metrics` asks for; nil lets any scraper read it.
    public var metricsToken: String?
    public var tlsCertificate: String?
    public var tlsKey: String?

    public init() {}

    /// Without the secrets, so that a configuration can be logged or printed.
    public var description: String {
        "ServerSettings(tokens: \(tokens), metricsToken: \(metricsToken == nil ? "none" : "set"), tls: \(tlsCertificate ?? "none"))"
    }
}
