import IngestCore
import IngestPostgres
import Testing

@Suite("Parsing PostgreSQL URLs")
struct PostgresURLTests {
    @Test func fullURLGivesEveryPart() throws {
        let url = try PostgresURL(parsing: "postgres://ingest:s3cret@db.internal:6543/catalog")
        #expect(url == PostgresURL(host: "db.internal", port: 6543, username: "ingest", password: "s3cret", database: "catalog"))
    }
}
