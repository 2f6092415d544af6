import Foundation
import IngestCore
import IngestGraph
import IngestGraphPostgres
import IngestPostgres
import IngestRedis
import IngestSQLite
import Logging

/// Opens the backends the settings name: a Redis or SQLite broker, a PostgreSQL or SQLite catalog,
/// and graph stores. The only place that knows which URL scheme means which module.
extension IngestSettings {
    /// - Parameter readOnly: For commands that only read: an embedded file that does not exist is
    ///   an error saying nothing has run there, and nothing is created.
    /// - Parameter warn: where a warning about weakened TLS checks goes (standard error by default).
    public func openBroker(readOnly: Bool = false, warn: (String) -> Void = Self.printWarning) throws -> any Broker {
        let scheme = Self.scheme(of: brokerURL)
        if scheme == "redis" || scheme == "rediss" {
            let (redis, requirementSource) = try redisURL(parsing: brokerURL)
            if let warning = Self.weakenedVerificationWarning(redis, certificateRequirementSource: requirementSource) {
                warn(warning)
            }
            return RedisBroker(url: redis, keyPrefix: try redisKeyPrefix())
        }
        let path = try Self.sqlitePath(brokerURL, option: "--broker")
        return try PathProblem.translatingErrors(path: path, fix: fixForUnusable(path, option: "--broker")) {
            try openSQLite(path, defaultName: "state.sqlite", readOnly: readOnly) { try SQLiteBroker(path: path, access: $0) }
        }
    }

    public static func printWarning(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// The catalog: a PostgreSQL database shared by many machines, or the embedded SQLite file.
    /// - Parameter logger: Where a shared catalog logs connection trouble (a worker's own logger, so
    ///   that an outage shows in its log); commands that only print results leave it silent.
    /// - Parameter readOnly: As for `openBroker`.
    public func openCatalog(logger: Logger? = nil, readOnly: Bool = false) async throws -> any Catalog {
        let scheme = Self.scheme(of: catalogURL)
        if scheme == "postgres" || scheme == "postgresql" {
            let logger = logger ?? Logger(label: "ingest.catalog", factory: { _ in SwiftLogNoOpLogHandler() })
            return try await PostgresCatalog.connect(url: catalogURL, logger: logger)
        }
        let path = try Self.sqlitePath(catalogURL, option: "--catalog")
        return try PathProblem.translatingErrors(path: path, fix: fixForUnusable(path, option: "--catalog")) {
            try openSQLite(path, defaultName: "catalog.sqlite", readOnly: readOnly) { try SQLiteCatalog(path: path, access: $0) }
        }
    }

    /// Opens graph stores: SQLite files, and PostgreSQL databases with the password (and, for
    /// `TYPE: postgres` without CONFIG, the database itself) taken from this process's catalog URL.
    public func graphStoreOpener(logger: Logger = Logger(label: "ingest.graph", factory: { _ in SwiftLogNoOpLogHandler() })) -> any GraphStoreOpener {
        PostgresGraphStoreOpener(catalogURL: catalogURL, logger: logger)
    }

    /// The broker for messages: passwords masked, and for Redis the key prefix, since only keys
    /// under it are Ingest's.
    public func brokerDescription() throws -> String {
        let scheme = Self.scheme(of: brokerURL)
        guard scheme == "redis" || scheme == "rediss" else { return URLMasking.masked(brokerURL) }
        return "\(RedisURL.redactedText(brokerURL)) (keys under '\(try redisKeyPrefix())')"
    }

    /// The catalog for messages, password masked.
    public var catalogDescription: String { URLMasking.masked(catalogURL) }

    static func scheme(of url: String) -> String {
        url.firstIndex(of: ":").map { url[..<$0].lowercased() } ?? ""
    }

    /// The fix for an embedded database file that cannot be created: where the file came from decides it.
    private func fixForUnusable(_ path: String, option: String) -> String {
        if path.hasPrefix(home + "/") {
            return "set INGEST_HOME to a directory this user can write (it is now '\(home)'), or give \(option) sqlite:PATH"
        }
        return "give \(option) sqlite:PATH in a directory this user can write"
    }

    /// Opens an embedded file: read-only commands create nothing, and only the default file in
    /// `INGEST_HOME` gets its missing directories (a typo in an explicit URL should not grow a tree).
    /// Messages about the default file name `INGEST_HOME`, which the user may not know they chose.
    private func openSQLite<T>(_ path: String, defaultName: String, readOnly: Bool, _ open: (SQLiteAccess) throws -> T) throws -> T {
        let isDefault = path == home + "/" + defaultName
        do {
            return try open(readOnly ? .existingOnly : .create(directories: isDefault))
        } catch var error as SQLiteFileError where isDefault {
            error.home = home
            throw error
        }
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
