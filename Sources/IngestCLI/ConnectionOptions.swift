import ArgumentParser
import Foundation
import IngestCore
import IngestGraphPostgres
import IngestPostgres
import IngestRedis
import Logging
import IngestSQLite

/// Where the broker (queues, jobs, counters) and the catalog live. Shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Queues and job registry: redis://[:password@]host:6379/0, rediss://... for TLS, or sqlite:PATH. Default: $INGEST_BROKER_URL, "
            + "else the --redis_* flags or $REDIS_HOST, else the config file, else sqlite:$INGEST_HOME/state.sqlite.",
        valueName: "url"))
    var broker: String?

    @Option(name: [.customLong("redis_host"), .customLong("redis-host")], help: "Redis host, the seed's spelling of --broker redis://HOST (env REDIS_HOST).")
    var redisHost: String?

    @Option(name: [.customLong("redis_port"), .customLong("redis-port")], help: "Redis port (env REDIS_PORT; default 6379).")
    var redisPort: Int?

    @Option(name: [.customLong("redis_db"), .customLong("redis-db")], help: "Redis database number (env REDIS_DB; default 0).")
    var redisDatabase: Int?

    @Option(name: [.customLong("redis_ssl_ca_certs"), .customLong("redis-ssl-ca-certs")], help: ArgumentHelp(
        "For rediss://: PEM file of the CAs to trust instead of the system's (env REDIS_SSL_CA_CERTS; URL ?ssl_ca_certs=).",
        valueName: "file"))
    var redisSSLCACerts: String?

    @Option(name: [.customLong("redis_ssl_certfile"), .customLong("redis-ssl-certfile")], help: ArgumentHelp(
        "For rediss://: PEM client certificate, for servers with tls-auth-clients yes (env REDIS_SSL_CERTFILE; URL ?ssl_certfile=).",
        valueName: "file"))
    var redisSSLCertfile: String?

    @Option(name: [.customLong("redis_ssl_keyfile"), .customLong("redis-ssl-keyfile")], help: ArgumentHelp(
        "For rediss://: PEM private key of the client certificate; default: in the certificate file (env REDIS_SSL_KEYFILE; URL ?ssl_keyfile=).",
        valueName: "file"))
    var redisSSLKeyfile: String?

    @Option(name: [.customLong("redis_ssl_cert_reqs"), .customLong("redis-ssl-cert-reqs")], help: ArgumentHelp(
        "For rediss://: required (default) verifies the server's certificate; none skips it, which is insecure (env REDIS_SSL_CERT_REQS; URL ?ssl_cert_reqs=).",
        valueName: "required|none"))
    var redisSSLCertReqs: String?

    @Option(name: [.customLong("key_prefix"), .customLong("key-prefix")], help: ArgumentHelp(
        "Prefix of every Redis key Ingest writes; `ingest flush` removes only these (env INGEST_KEY_PREFIX, config key_prefix; default ingest:).",
        valueName: "prefix"))
    var keyPrefix: String?

    @Option(help: ArgumentHelp(
        "Catalog: postgres://user:password@host:5432/db or sqlite:PATH. Default: $INGEST_CATALOG_URL, else the config file, else sqlite:$INGEST_HOME/catalog.sqlite.",
        valueName: "url"))
    var catalog: String?

    @Option(help: ArgumentHelp(
        "Configuration file: resources, default_resource, broker, key_prefix, catalog, logging. Default: $INGEST_HOME/config.yaml if it exists.",
        valueName: "file"))
    var config: String?

    /// The configuration file's contents; an empty configuration when the default file does not exist.
    func configuration() throws -> IngestConfiguration {
        if let config { return try IngestConfiguration.load(path: config, required: true) }
        return try IngestConfiguration.load(path: Self.home + "/config.yaml", required: false)
    }

    /// `$INGEST_HOME`, default `~/.ingest`.
    static var home: String {
        if let home = ProcessInfo.processInfo.environment["INGEST_HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.ingest"
    }

    /// Flag, then environment, then configuration file, then the embedded default. The seed's
    /// `--redis_host` flags rank with `--broker`, its `REDIS_HOST` variables with `INGEST_BROKER_URL`.
    func brokerURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let broker { return broker }
        if redisHost != nil || redisPort != nil || redisDatabase != nil {
            return try Self.seedRedisURL(host: redisHost ?? environment["REDIS_HOST"], port: redisPort, database: redisDatabase)
        }
        if let url = environment["INGEST_BROKER_URL"], !url.isEmpty { return url }
        if let host = environment["REDIS_HOST"], !host.isEmpty {
            return try Self.seedRedisURL(host: host, port: nil, database: nil)
        }
        return try configuration().broker ?? "sqlite:\(Self.home)/state.sqlite"
    }

    /// A `redis://` URL from the seed's separate settings; `REDIS_PASSWORD`, `REDIS_PORT` and
    /// `REDIS_DB` fill what the flags leave out.
    static func seedRedisURL(host: String?, port: Int?, database: Int?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
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
    func redisKeyPrefix() throws -> String {
        let prefix = try keyPrefix ?? ProcessInfo.processInfo.environment["INGEST_KEY_PREFIX"] ?? configuration().keyPrefix ?? "ingest:"
        guard !prefix.isEmpty else {
            throw IngestError.invalidOption(name: "--key_prefix", reason: "an empty prefix would let `ingest flush` remove every key of the database; give one such as ingest:")
        }
        return prefix
    }

    func catalogURL() throws -> String {
        try catalog ?? ProcessInfo.processInfo.environment["INGEST_CATALOG_URL"] ?? configuration().catalog
            ?? "sqlite:\(Self.home)/catalog.sqlite"
    }

    /// - Parameter readOnly: For commands that only read: an embedded file that does not exist is
    ///   an error saying nothing has run there, and nothing is created.
    func openBroker(readOnly: Bool = false) throws -> any Broker {
        let url = try brokerURL()
        let scheme = Self.scheme(of: url)
        if scheme == "redis" || scheme == "rediss" {
            let (redis, requirementSource) = try redisURL(parsing: url)
            if let warning = Self.weakenedVerificationWarning(redis, certificateRequirementSource: requirementSource) {
                FileHandle.standardError.write(Data((warning + "\n").utf8))
            }
            return RedisBroker(url: redis, keyPrefix: try redisKeyPrefix())
        }
        let path = try Self.sqlitePath(url, option: "--broker")
        return try PathProblem.translatingErrors(path: path, fix: fixForUnusable(path, option: "--broker")) {
            try Self.openSQLite(path, defaultName: "state.sqlite", readOnly: readOnly) { try SQLiteBroker(path: path, access: $0) }
        }
    }

    /// The fix for an embedded database file that cannot be created: where the file came from decides it.
    private func fixForUnusable(_ path: String, option: String) -> String {
        let home = Self.home
        if path.hasPrefix(home + "/") {
            return "set INGEST_HOME to a directory this user can write (it is now '\(home)'), or give \(option) sqlite:PATH"
        }
        return "give \(option) sqlite:PATH in a directory this user can write"
    }

    /// The warning to print whenever a `rediss://` broker's certificate checks are reduced (possibly
    /// by a variable left in the environment), since nothing else would show it; `nil` when the
    /// server is fully verified. It names the setting as the user gave it, and never the password.
    /// - Parameters:
    ///   - url: The broker, TLS settings resolved.
    ///   - certificateRequirementSource: Where `ssl_cert_reqs` came from, as `redisURL(parsing:)` says.
    static func weakenedVerificationWarning(_ url: RedisURL, certificateRequirementSource: String) -> String? {
        guard url.usesTLS else { return nil }
        let weakness: String? = switch (url.tls.certificateRequirement, url.tls.checksHostname) {
        case (.none, _): "the server's certificate is not checked (\(certificateRequirementSource))"
        case (.required, false): "the server's certificate is not matched to its host name (ssl_check_hostname=false in the URL)"
        case (.required, true): nil
        }
        guard let weakness else { return nil }
        return "warning: broker \(url.redacted): \(weakness); anyone on the network path can pose as the server"
    }

    /// A Redis broker URL with the TLS settings of the `--redis_ssl_*` flags and `REDIS_SSL_*`
    /// variables filled in where the URL leaves them out: the URL wins, then the flag, then
    /// the variable. The variables describe a machine (where its CA bundle and client key
    /// live), so they apply to whichever `rediss://` broker the command uses and are ignored for
    /// `redis://`; a flag given for a `redis://` broker is an error, since it would do nothing.
    /// - Returns: The URL, and where its certificate requirement was set, in the user's words
    ///   (`--redis_ssl_cert_reqs none`), for the warning about weakened checks.
    func redisURL(parsing text: String) throws -> (url: RedisURL, certificateRequirementSource: String) {
        var url = try RedisURL(parsing: text)
        let environment = ProcessInfo.processInfo.environment
        let query = text.firstIndex(of: "?").map { text[$0...].lowercased() } ?? ""
        func setting(_ flag: String?, _ flagName: String, _ variable: String) throws -> (value: String, source: String)? {
            if let flag {
                guard url.usesTLS else {
                    throw IngestError.invalidOption(
                        name: "--\(flagName)",
                        reason: "it applies to TLS, and the broker \(url.redacted) is plain redis://; write it as rediss:// to use TLS")
                }
                return (flag, "--\(flagName)")
            }
            guard url.usesTLS, let value = environment[variable], !value.isEmpty else { return nil }
            return (value, variable)
        }
        if url.tls.caCertificatesFile == nil {
            url.tls.caCertificatesFile = try setting(redisSSLCACerts, "redis_ssl_ca_certs", "REDIS_SSL_CA_CERTS")?.value
        }
        if url.tls.certificateFile == nil {
            url.tls.certificateFile = try setting(redisSSLCertfile, "redis_ssl_certfile", "REDIS_SSL_CERTFILE")?.value
        }
        if url.tls.keyFile == nil {
            url.tls.keyFile = try setting(redisSSLKeyfile, "redis_ssl_keyfile", "REDIS_SSL_KEYFILE")?.value
        }
        var requirementSource = "ssl_cert_reqs=\(url.tls.certificateRequirement.rawValue) in the URL"
        if !query.contains("ssl_cert_reqs="), let found = try setting(redisSSLCertReqs, "redis_ssl_cert_reqs", "REDIS_SSL_CERT_REQS") {
            guard let requirement = RedisTLSOptions.certificateRequirement(parsing: found.value) else {
                throw IngestError.invalidOption(name: found.source, reason: "'\(found.value)' is not required or none")
            }
            url.tls.certificateRequirement = requirement
            requirementSource = found.source.hasPrefix("--")
                ? "\(found.source) \(found.value)" : "\(found.source)=\(found.value) in the environment"
        }
        return (url, requirementSource)
    }

    /// The broker for messages: passwords masked, and for Redis the key prefix, since only keys
    /// under it are Ingest's.
    func brokerDescription() throws -> String {
        let url = try brokerURL()
        let scheme = Self.scheme(of: url)
        guard scheme == "redis" || scheme == "rediss" else { return URLMasking.masked(url) }
        return "\(RedisURL.redactedText(url)) (keys under '\(try redisKeyPrefix())')"
    }

    static func scheme(of url: String) -> String {
        url.firstIndex(of: ":").map { url[..<$0].lowercased() } ?? ""
    }

    /// The catalog: a PostgreSQL database shared by many machines, or the embedded SQLite file.
    /// - Parameter logger: Where a shared catalog logs connection trouble (a worker's own logger, so
    ///   that an outage shows in its log); commands that only print results leave it silent.
    /// - Parameter readOnly: As for `openBroker`.
    func openCatalog(logger: Logger? = nil, readOnly: Bool = false) async throws -> any Catalog {
        let url = try catalogURL()
        let scheme = Self.scheme(of: url)
        if scheme == "postgres" || scheme == "postgresql" {
            let logger = logger ?? Logger(label: "ingest.catalog", factory: { _ in SwiftLogNoOpLogHandler() })
            return try await PostgresCatalog.connect(url: url, logger: logger)
        }
        let path = try Self.sqlitePath(url, option: "--catalog")
        return try PathProblem.translatingErrors(path: path, fix: fixForUnusable(path, option: "--catalog")) {
            try Self.openSQLite(path, defaultName: "catalog.sqlite", readOnly: readOnly) { try SQLiteCatalog(path: path, access: $0) }
        }
    }

    /// Opens an embedded file: read-only commands create nothing, and only the default file in
    /// `INGEST_HOME` gets its missing directories (a typo in an explicit URL should not grow a tree).
    /// Messages about the default file name `INGEST_HOME`, which the user may not know they chose.
    private static func openSQLite<T>(
        _ path: String, defaultName: String, readOnly: Bool, _ open: (SQLiteAccess) throws -> T
    ) throws -> T {
        let isDefault = path == home + "/" + defaultName
        do {
            return try open(readOnly ? .existingOnly : .create(directories: isDefault))
        } catch var error as SQLiteFileError where isDefault {
            error.home = home
            throw error
        }
    }

    /// Opens graph stores: SQLite files, and PostgreSQL databases with the password (and, for
    /// `TYPE: postgres` without CONFIG, the database itself) taken from this process's catalog URL.
    func graphStoreOpener(logger: Logger = Logger(label: "ingest.graph", factory: { _ in SwiftLogNoOpLogHandler() })) -> PostgresGraphStoreOpener {
        PostgresGraphStoreOpener(catalogURL: try? catalogURL(), logger: logger)
    }

    /// Accepts `sqlite:PATH`, `sqlite://PATH` and `sqlite:///ABSOLUTE`; names the fix for anything else.
    /// Messages show the value with its passwords masked, and only when it is recognisably a URL.
    static func sqlitePath(_ url: String, option: String) throws -> String {
        let accepted = option == "--catalog"
            ? "sqlite:PATH or postgres://user[:password]@host[:port]/database"
            : "sqlite:PATH, redis://[:password@]host[:port][/db] or rediss://..."
        guard URLMasking.isRecognisable(url), let colon = url.firstIndex(of: ":") else {
            let example = option == "--catalog" ? "sqlite:/var/lib/ingest/catalog.sqlite" : "sqlite:/var/lib/ingest/state.sqlite"
            throw IngestError.invalidURL(url, reason: "\(option) takes \(accepted), such as \(example)")
        }
        let scheme = url[..<colon].lowercased()
        var rest = String(url[url.index(after: colon)...])
        switch scheme {
        case "sqlite":
            if rest.hasPrefix("//") { rest.removeFirst(2) }
            guard !rest.isEmpty else {
                throw IngestError.invalidURL(url, reason: "it names no file; give sqlite:PATH")
            }
            if rest.hasPrefix("~/") {
                rest = FileManager.default.homeDirectoryForCurrentUser.path + rest.dropFirst()
            }
            return rest
        case "redis", "rediss":
            throw IngestError.invalidURL(
                RedisURL.redactedText(url), reason: "\(option) cannot be Redis; the catalog is sqlite:PATH or postgres://user@host/db")
        case "postgres", "postgresql":
            throw IngestError.invalidURL(
                url, reason: "\(option) cannot be PostgreSQL; the broker is redis://host:6379/0 or sqlite:PATH")
        default:
            throw IngestError.invalidURL(url, reason: "unknown scheme '\(scheme)'; \(option) takes \(accepted)")
        }
    }
}
