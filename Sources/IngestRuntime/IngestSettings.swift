import Foundation
import IngestCore
import IngestRedis

/// What the user set on the command line (or in a REST request) about where state lives; nil
/// means "not given here", so the environment, the configuration file or the default decides.
public struct SettingOverrides: Sendable, Hashable {
    public var broker: String?
    /// iRODS automated ingest's separate Redis settings (`--redis_host`, `--redis_port`, `--redis_db`).
    public var redisHost: String?
    public var redisPort: Int?
    public var redisDatabase: Int?
    public var redisTLS = RedisTLSOverrides()
    public var keyPrefix: String?
    public var catalog: String?
    /// The configuration file (default `$INGEST_HOME/config.yaml`, when it exists).
    public var configFile: String?
    /// The Python interpreter that runs event handlers (`--python`).
    public var python: String?

    public init() {}
}

/// The `--redis_ssl_*` flags, applied to a `rediss://` broker where its URL leaves them out.
public struct RedisTLSOverrides: Sendable, Hashable {
    public var caCertificates: String?
    public var certificateFile: String?
    public var keyFile: String?
    public var certificateRequirement: String?

    public init() {}
}

/// Every setting of one process, resolved once: flag, then environment, then configuration file,
/// then the embedded default. The configuration file is read once, here.
public struct IngestSettings: Sendable {
    /// `$INGEST_HOME`, default `~/.ingest`: the embedded state, catalog, graphs and profiles.
    public let home: String
    public let configuration: IngestConfiguration
    public let brokerURL: String
    public let catalogURL: String
    /// The Python interpreter that runs `--event_handler` files: `--python`, `INGEST_PYTHON`, or
    /// `python3` on PATH.
    public let python: String
    /// What the user gave, kept for the Redis TLS settings (which also read the environment).
    public let overrides: SettingOverrides
    let environment: [String: String]

    /// - Throws: `IngestError` naming the setting and the fix (a configuration file that cannot be
    ///   read, a `REDIS_PORT` that is not a number).
    public init(_ overrides: SettingOverrides = SettingOverrides(), environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.overrides = overrides
        self.environment = environment
        let home = Self.home(environment: environment)
        self.home = home
        let configuration = try overrides.configFile.map { try IngestConfiguration.load(path: $0, required: true) }
            ?? IngestConfiguration.load(path: home + "/config.yaml", required: false)
        self.configuration = configuration
        brokerURL = try Self.brokerURL(overrides, environment: environment, configuration: configuration, home: home)
        catalogURL = overrides.catalog ?? environment["INGEST_CATALOG_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.catalog
            ?? "sqlite:\(home)/catalog.sqlite"
        python = overrides.python ?? environment["INGEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// `$INGEST_HOME`, default `~/.ingest`.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["INGEST_HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.ingest"
    }

    /// iRODS automated ingest's `--redis_host` flags rank with `--broker`, its `REDIS_HOST`
    /// variables with `INGEST_BROKER_URL`.
    private static func brokerURL(
        _ overrides: SettingOverrides, environment: [String: String], configuration: IngestConfiguration, home: String
    ) throws -> String {
        if let broker = overrides.broker { return broker }
        if overrides.redisHost != nil || overrides.redisPort != nil || overrides.redisDatabase != nil {
            return try redisURL(
                host: overrides.redisHost ?? environment["REDIS_HOST"], port: overrides.redisPort, database: overrides.redisDatabase,
                environment: environment)
        }
        if let url = environment["INGEST_BROKER_URL"], !url.isEmpty { return url }
        if let host = environment["REDIS_HOST"], !host.isEmpty {
            return try redisURL(host: host, port: nil, database: nil, environment: environment)
        }
        return configuration.broker ?? "sqlite:\(home)/state.sqlite"
    }

    /// A `redis://` URL from separate settings; `REDIS_PASSWORD`, `REDIS_PORT` and `REDIS_DB` fill
    /// what the flags leave out.
    static func redisURL(host: String?, port: Int?, database: Int?, environment: [String: String]) throws -> String {
        func number(_ variable: String) throws -> Int? {
            guard let text = environment[variable], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw IngestError.invalidOption(name: variable, reason: "'\(text)' is not a number; unset it or give e.g. \(variable)=0")
            }
            return value
        }
        let resolvedPort = try port ?? number("REDIS_PORT") ?? RedisURL.defaultPort
        let resolvedDatabase = try database ?? number("REDIS_DB") ?? 0
        var url = RedisURL(host: host ?? "localhost", port: resolvedPort, database: resolvedDatabase)
        if let password = environment["REDIS_PASSWORD"], !password.isEmpty { url.password = password }
        return url.unredacted
    }

    /// Flag, then `INGEST_KEY_PREFIX`, then the configuration file, then `ingest:`.
    public func redisKeyPrefix() throws -> String {
        let prefix = overrides.keyPrefix ?? environment["INGEST_KEY_PREFIX"] ?? configuration.keyPrefix ?? "ingest:"
        guard !prefix.isEmpty else {
            throw IngestError.invalidOption(
                name: "--key_prefix", reason: "an empty prefix would let `ingest flush` remove every key of the database; give one such as ingest:")
        }
        return prefix
    }

    /// Where `--profile` writes by default.
    public func defaultProfilePath(job: String) -> String {
        "\(home)/profile-\(job).jsonl"
    }

    /// The SQLite store of a graph whose dataset names none.
    public func defaultGraphStorePath(_ graph: String) -> String {
        "\(home)/graphs/\(graph).sqlite"
    }
}
