import Foundation
import IngestCore
import IngestPostgres
import IngestSQLite
import Logging
import PostgresNIO

/// The catalogs the conformance suite runs against. Each test gets a fresh, empty catalog: a new
/// SQLite file, or a new PostgreSQL database on the test server (dropped afterwards), so tests run
/// in parallel.
///
/// PostgreSQL is always listed: without `INGEST_TEST_POSTGRES_URL` its cases fail and say to run
/// `scripts/test`, rather than quietly testing SQLite alone.
public enum CatalogFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// Runs `body` with a fresh catalog, and removes the catalog afterwards.
    @discardableResult
    public func withCatalog<Result>(_ body: (CatalogUnderTest) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "ingest-catalog")
            let path = directory.subpath("catalog.sqlite")
            return try await body(CatalogUnderTest(catalog: try SQLiteCatalog(path: path), store: .sqlite(path: path, directory: directory)))
        case .postgres:
            return try await PostgresTestDatabase.withFreshDatabase { url in
                let catalog = try await PostgresCatalog.connect(url: url, logger: .quiet)
                do {
                    let result = try await body(CatalogUnderTest(catalog: catalog, store: .postgres(url: url)))
                    await catalog.close()
                    return result
                } catch {
                    await catalog.close()
                    throw error
                }
            }
        }
    }
}

/// A fresh catalog and where it is stored, so a test can open a second catalog on the same store
/// as a second worker process would.
public struct CatalogUnderTest: Sendable {
    enum Store: Sendable {
        case sqlite(path: String, directory: TemporaryDirectory)
        case postgres(url: String)
    }

    public let catalog: any Catalog
    let store: Store

    /// Runs `body` with another catalog on the same store, closed afterwards.
    public func withSecondCatalog<Result>(_ body: (any Catalog) async throws -> Result) async throws -> Result {
        switch store {
        case .sqlite(let path, _):
            return try await body(try SQLiteCatalog(path: path))
        case .postgres(let url):
            let second = try await PostgresCatalog.connect(url: url, logger: .quiet)
            do {
                let result = try await body(second)
                await second.close()
                return result
            } catch {
                await second.close()
                throw error
            }
        }
    }
}

/// Databases made for one test each on the shared PostgreSQL test server.
public enum PostgresTestDatabase {
    /// Creates an empty database, runs `body` with its URL, and drops the database (even when
    /// `body` throws; connections still open are cut).
    public static func withFreshDatabase<Result>(
        on serverURL: String? = nil, _ body: (_ url: String) async throws -> Result
    ) async throws -> Result {
        var url = try PostgresURL(parsing: try serverURL ?? PostgresTestServer.url())
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await administer(url, "CREATE DATABASE \(name)")
        url.database = name
        do {
            let result = try await body(url.unredactedString)
            try await administer(url, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await administer(url, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on the server's maintenance database `postgres`.
    public static func administer(_ url: PostgresURL, _ sql: String) async throws {
        var maintenance = url
        maintenance.database = "postgres"
        try await execute(on: maintenance.unredactedString, sql)
    }

    /// Runs one statement on the database of `url`, for tests that set up what the catalog finds.
    public static func execute(on url: String, _ sql: String) async throws {
        let connection = try await connection(to: url)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .quiet)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw StatementFailed(sql: sql, error: String(reflecting: error))
        }
    }
}

extension PostgresTestDatabase {
    /// A connection of its own to the database of `url`, outside any pool, for a test that plays
    /// another session (holding a lock, say); the caller closes it.
    public static func connection(to url: String) async throws -> PostgresConnection {
        let url = try PostgresURL(parsing: url)
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: .quiet)
    }
}

/// postgres-nio prints only a generic text for its errors; tests want the details.
struct StatementFailed: Error, CustomStringConvertible {
    var sql: String
    var error: String
    var description: String { "\(sql) failed: \(error)" }
}

extension Logger {
    /// A logger that drops everything, for tests whose output would only be noise.
    public static let quiet = Logger(label: "ingest.test", factory: { _ in SwiftLogNoOpLogHandler() })
}
