import Foundation
import IngestCore
import IngestGraph
import IngestPostgres
import Logging
import Synchronization

/// Opens graph stores of every kind for one process: SQLite files, and PostgreSQL databases with
/// one connection pool per database, shared by every graph in it.
///
/// A PostgreSQL location is recorded without its password (DESIGN.md invariant 8), so the process
/// that opens it supplies one from its own configuration: the password of its catalog URL when that
/// names the same user on the same host and port, else `PGPASSWORD` (libpq's variable), else none
/// (trust or peer authentication). A location of `postgres:catalog` is the process's catalog
/// database itself.
public final class PostgresGraphStoreOpener: GraphStoreOpener {
    /// This process's catalog URL (`--catalog`, `INGEST_CATALOG_URL`, config.yaml), which may be SQLite.
    private let catalogURL: String?
    private let environment: [String: String]
    private let logger: Logger
    private let options: PostgresGraphDatabase.Options
    /// Databases by URL, each connected once; a failed connect is not kept, so a later task retries it.
    private let databases = Mutex<[String: Task<PostgresGraphDatabase, any Error>]>([:])

    public init(
        catalogURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger,
        options: PostgresGraphDatabase.Options = .init()
    ) {
        self.catalogURL = catalogURL
        self.environment = environment
        self.logger = logger
        self.options = options
    }

    public func open(_ location: GraphStoreLocation, graph: String, create: Bool) async throws -> any GraphStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteGraphStore(path: path, create: create, graphID: graph)
        case .postgres(let url):
            let database = try await connectedDatabase(url: try resolve(url))
            return try await PostgresGraphStore.open(graph: graph, in: database, create: create)
        }
    }

    /// The URL to connect with: `url` with a password filled in as the type's documentation says,
    /// or the catalog URL for the catalog location.
    func resolve(_ url: String?) throws -> PostgresURL {
        guard let url else {
            guard let catalogURL, let catalog = try? PostgresURL(parsing: catalogURL) else {
                throw GraphError.unsupportedBackend(
                    "TYPE postgres without CONFIG keeps the graph in the PostgreSQL catalog database, but this process's catalog is "
                        + "\(catalogURL.map(Self.redacted) ?? "not set"); "
                        + "pass --catalog postgres://user@host/db (or INGEST_CATALOG_URL), or give backend_client CONFIG: {URL: postgres://user@host/db}")
            }
            return catalog
        }
        var parsed = try PostgresURL(parsing: url)
        guard parsed.password == nil else { return parsed }
        if let catalogURL, let catalog = try? PostgresURL(parsing: catalogURL),
            catalog.host == parsed.host, catalog.port == parsed.port, catalog.username == parsed.username
        {
            parsed.password = catalog.password
        } else if let password = environment["PGPASSWORD"], !password.isEmpty {
            parsed.password = password
        }
        return parsed
    }

    private func connectedDatabase(url: PostgresURL) async throws -> PostgresGraphDatabase {
        let (logger, options) = (logger, options)
        // Kept in memory only, so the password may be part of it.
        let key = url.redacted + "\u{0}" + (url.password ?? "")
        let connecting = databases.withLock { databases in
            if let existing = databases[key] { return existing }
            let task = Task { try await PostgresGraphDatabase.connect(url: url, logger: logger, options: options) }
            databases[key] = task
            return task
        }
        do {
            return try await connecting.value
        } catch {
            databases.withLock { databases in
                if databases[key] == connecting { databases[key] = nil }
            }
            throw error
        }
    }

    /// The URL for a message, without its password, whatever its scheme.
    private static func redacted(_ url: String) -> String {
        URLMasking.masked(url)
    }

    /// Closes every database this opener connected to.
    public func close() async {
        let tasks = databases.withLock { databases in
            defer { databases.removeAll() }
            return Array(databases.values)
        }
        for task in tasks {
            if let database = try? await task.value { await database.close() }
        }
    }
}
