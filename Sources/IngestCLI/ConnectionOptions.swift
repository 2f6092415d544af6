import ArgumentParser
import Foundation
import IngestCore
import IngestSQLite

/// Where the broker (queues, jobs, counters) and the catalog live. Shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Queues and job registry: sqlite:PATH. Default: $INGEST_BROKER_URL, else sqlite:$INGEST_HOME/state.sqlite.",
        valueName: "url"))
    var broker: String?

    @Option(help: ArgumentHelp(
        "Catalog: sqlite:PATH. Default: $INGEST_CATALOG_URL, else sqlite:$INGEST_HOME/catalog.sqlite.",
        valueName: "url"))
    var catalog: String?

    @Option(help: ArgumentHelp(
        "Configuration file: resources, default_resource, broker, catalog, logging. Default: $INGEST_HOME/config.yaml if it exists.",
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

    /// Flag, then environment, then configuration file, then the embedded default.
    func brokerURL() throws -> String {
        try broker ?? ProcessInfo.processInfo.environment["INGEST_BROKER_URL"] ?? configuration().broker
            ?? "sqlite:\(Self.home)/state.sqlite"
    }

    func catalogURL() throws -> String {
        try catalog ?? ProcessInfo.processInfo.environment["INGEST_CATALOG_URL"] ?? configuration().catalog
            ?? "sqlite:\(Self.home)/catalog.sqlite"
    }

    func openBroker() throws -> any Broker {
        try SQLiteBroker(path: Self.sqlitePath(brokerURL(), option: "--broker"))
    }

    func openCatalog() throws -> any Catalog {
        try SQLiteCatalog(path: Self.sqlitePath(catalogURL(), option: "--catalog"))
    }

    /// Accepts `sqlite:PATH`, `sqlite://PATH` and `sqlite:///ABSOLUTE`; names the fix for anything else.
    static func sqlitePath(_ url: String, option: String) throws -> String {
        guard let colon = url.firstIndex(of: ":") else {
            throw IngestError.invalidURL(url, reason: "\(option) takes a URL such as sqlite:/var/lib/ingest/state.sqlite")
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
        case "redis", "rediss", "postgres", "postgresql":
            throw IngestError.invalidURL(
                url, reason: "this build runs the embedded backend only; use sqlite:PATH for \(option) (Redis and PostgreSQL arrive with the distributed backend)")
        default:
            throw IngestError.invalidURL(url, reason: "unknown scheme '\(scheme)'; \(option) takes sqlite:PATH")
        }
    }
}
