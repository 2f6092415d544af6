import ArgumentParser
import Foundation
import IngestCore
import IngestGraph
import IngestRuntime
import Logging
import Synchronization

/// Where the broker (queues, jobs, counters) lives: a URL, or iRODS automated ingest's Redis flags.
struct BrokerOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Queues and job registry: redis://[:password@]host:6379/0, rediss://... for TLS, or sqlite:PATH. Default: $INGEST_BROKER_URL, "
            + "else the --redis_* flags or $REDIS_HOST, else the config file, else sqlite:$INGEST_HOME/state.sqlite.",
        valueName: "url"))
    var broker: String?

    @Option(name: [.customLong("redis_host"), .customLong("redis-host")], help: "Redis host, iRODS automated ingest's spelling of --broker redis://HOST (env REDIS_HOST).")
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

    func apply(to overrides: inout SettingOverrides) {
        overrides.broker = broker
        overrides.redisHost = redisHost
        overrides.redisPort = redisPort
        overrides.redisDatabase = redisDatabase
        overrides.redisTLS.caCertificates = redisSSLCACerts
        overrides.redisTLS.certificateFile = redisSSLCertfile
        overrides.redisTLS.keyFile = redisSSLKeyfile
        overrides.redisTLS.certificateRequirement = redisSSLCertReqs
        overrides.keyPrefix = keyPrefix
    }
}

/// Where the catalog lives.
struct CatalogOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Catalog: postgres://user:password@host:5432/db or sqlite:PATH. Default: $INGEST_CATALOG_URL, else the config file, else sqlite:$INGEST_HOME/catalog.sqlite.",
        valueName: "url"))
    var catalog: String?
}

/// The configuration file, which every command reads (resources, and defaults for the URLs).
struct ConfigFileOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Configuration file: resources, default_resource, broker, key_prefix, catalog, logging. Default: $INGEST_HOME/config.yaml if it exists.",
        valueName: "file"))
    var config: String?
}

/// The connection flags of a command that uses the broker, the catalog, or both. Each command
/// takes only the option groups it uses, so `ingest ls --help` lists no Redis flags.
protocol ConnectionFlags: ParsableArguments {
    /// The flags as settings overrides: nil where a flag was not given.
    var overrides: SettingOverrides { get }
}

extension ConnectionFlags {
    /// The process's runtime for these flags: settings resolved (and the configuration file read)
    /// once, however many times a command asks.
    func runtime() throws -> IngestRuntime {
        try RuntimeCache.runtime(for: overrides)
    }

    /// The runtime with the Python interpreter of `--python` (commands that run event handlers).
    func runtime(python: String?) throws -> IngestRuntime {
        var overrides = overrides
        overrides.python = python
        return try RuntimeCache.runtime(for: overrides)
    }

    var settings: IngestSettings {
        get throws { try runtime().settings }
    }

    func configuration() throws -> IngestConfiguration {
        try settings.configuration
    }

    func openBroker(readOnly: Bool = false) throws -> any Broker {
        try settings.openBroker(readOnly: readOnly)
    }

    func openCatalog(logger: Logger? = nil, readOnly: Bool = false) async throws -> any Catalog {
        try await settings.openCatalog(logger: logger, readOnly: readOnly)
    }

    func graphStoreOpener(logger: Logger = Logger(label: "ingest.graph", factory: { _ in SwiftLogNoOpLogHandler() })) throws -> any GraphStoreOpener {
        try settings.graphStoreOpener(logger: logger)
    }

    func brokerDescription() throws -> String {
        try settings.brokerDescription()
    }
}

/// Broker, catalog and configuration file: for commands that use both stores.
struct ConnectionOptions: ConnectionFlags {
    @OptionGroup var brokerOptions: BrokerOptions
    @OptionGroup var catalogOption: CatalogOption
    @OptionGroup var configFile: ConfigFileOption

    var overrides: SettingOverrides {
        var overrides = SettingOverrides()
        brokerOptions.apply(to: &overrides)
        overrides.catalog = catalogOption.catalog
        overrides.configFile = configFile.config
        return overrides
    }
}

/// Broker and configuration file: for commands about jobs, tasks and workers only.
struct BrokerConnectionOptions: ConnectionFlags {
    @OptionGroup var brokerOptions: BrokerOptions
    @OptionGroup var configFile: ConfigFileOption
    /// Accepted and ignored, not listed: scripts that pass one set of connection flags to every
    /// command keep working.
    @OptionGroup(visibility: .hidden) var unusedCatalog: CatalogOption

    var overrides: SettingOverrides {
        var overrides = SettingOverrides()
        brokerOptions.apply(to: &overrides)
        overrides.configFile = configFile.config
        return overrides
    }
}

/// Catalog and configuration file: for commands that read the catalog and the resources only.
struct CatalogConnectionOptions: ConnectionFlags {
    @OptionGroup var catalogOption: CatalogOption
    @OptionGroup var configFile: ConfigFileOption
    /// Accepted and ignored, not listed (see `BrokerConnectionOptions.unusedCatalog`).
    @OptionGroup(visibility: .hidden) var unusedBroker: BrokerOptions

    var overrides: SettingOverrides {
        var overrides = SettingOverrides()
        overrides.catalog = catalogOption.catalog
        overrides.configFile = configFile.config
        return overrides
    }
}

/// One runtime per set of flags and environment, for the life of the process.
private enum RuntimeCache {
    private struct Key: Hashable {
        var overrides: SettingOverrides
        var environment: [String: String]
    }

    private static let runtimes = Mutex<[Key: IngestRuntime]>([:])

    static func runtime(for overrides: SettingOverrides) throws -> IngestRuntime {
        let key = Key(overrides: overrides, environment: ProcessInfo.processInfo.environment)
        if let runtime = runtimes.withLock({ $0[key] }) { return runtime }
        let runtime = try IngestRuntime(settings: IngestSettings(overrides, environment: key.environment))
        runtimes.withLock { $0[key] = runtime }
        return runtime
    }
}
