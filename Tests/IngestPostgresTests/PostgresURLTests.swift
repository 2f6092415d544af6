import IngestCore
import IngestPostgres
import Testing

@Suite("Parsing PostgreSQL URLs")
struct PostgresURLTests {
    @Test func fullURLGivesEveryPart() throws {
        let url = try PostgresURL(parsing: "postgres://ingest:s3cret@db.internal:6543/catalog")
        #expect(url == PostgresURL(host: "db.internal", port: 6543, username: "ingest", password: "s3cret", database: "catalog"))
    }

    @Test func postgresqlSchemeIsTheSame() throws {
        #expect(try PostgresURL(parsing: "postgresql://ingest@db/catalog") == PostgresURL(parsing: "postgres://ingest@db/catalog"))
    }

    @Test func portAndDatabaseDefaultLikeLibpq() throws {
        let url = try PostgresURL(parsing: "postgres://ingest@db.internal")
        #expect(url.port == 5432)
        #expect(url.database == "ingest")
        #expect(url.password == nil)
        #expect(url.tls == .prefer)
    }

    @Test func decodesPercentEncodedCredentialsAndDatabase() throws {
        let url = try PostgresURL(parsing: "postgres://in%40gest:p%40ss%3Aw%2Fd@db/my%20catalog")
        #expect(url.username == "in@gest")
        #expect(url.password == "p@ss:w/d")
        #expect(url.database == "my catalog")
    }

    @Test func rawAtSignInPasswordSplitsAtTheLastOne() throws {
        let url = try PostgresURL(parsing: "postgres://ingest:a@b@db:1234/c")
        #expect(url.password == "a@b" && url.host == "db" && url.port == 1234)
    }

    @Test func rawQuestionMarkInAPasswordStaysInThePassword() throws {
        let url = try PostgresURL(parsing: "postgres://ingest:a?b@db/catalog?sslmode=require")
        #expect(url.password == "a?b" && url.host == "db" && url.tls == .require)
    }

    @Test func bracketedIPv6Host() throws {
        let url = try PostgresURL(parsing: "postgres://ingest@[::1]:6543/catalog")
        #expect(url.host == "::1" && url.port == 6543)
        #expect(url.redacted == "postgres://ingest@[::1]:6543/catalog")
    }

    @Test func sslmodeChoosesTLS() throws {
        #expect(try PostgresURL(parsing: "postgres://u@h/d?sslmode=disable").tls == .disable)
        #expect(try PostgresURL(parsing: "postgres://u@h/d?sslmode=require").tls == .require)
        #expect(try PostgresURL(parsing: "postgres://u@h/d?sslmode=verify-full").tls == .verifyFull)
    }

    @Test func redactedFormHidesThePassword() throws {
        let url = try PostgresURL(parsing: "postgres://ingest:s3cret@db:5432/catalog?sslmode=require")
        #expect(url.redacted == "postgres://ingest:***@db:5432/catalog?sslmode=require")
        #expect(!"\(url)".contains("s3cret"))
        #expect(url.server == "db:5432/catalog")
    }

    @Test(
        "rejects malformed URLs with a message naming the fix and never the password",
        arguments: [
            ("mysql://u:s3cret@host/db", "postgres://"),
            ("u:s3cret@host/db", "looks like postgres://"),
            ("postgres://host/db", "names no user"),
            ("postgres://:s3cret@host/db", "names no user"),
            ("postgres://u:s3cret@/db", "names no host"),
            ("postgres://u:s3cret@host:99999/db", "1 to 65535"),
            ("postgres://u:s3cret@host:abc/db", "port"),
            ("postgres://u:s3cret@host/db/extra", "one database name"),
            ("postgres://u:s3cret@host/db?sslmode=sometimes", "disable, prefer, require or verify-full"),
            ("postgres://u:s3cret@host/db?application=x", "sslmode"),
            ("postgres://u:s3cret@[::1/db", "IPv6"),
            ("postgres://u:s3%ZZcret@host/db", "percent-encoding"),
            ("postgres://u:s3cret@fe80::1:5432/db", "IPv6 addresses in brackets"),
            ("postgres://u:s3/cret@host/db", "%2F"),
        ])
    func rejectsMalformed(url: String, hint: String) {
        do {
            _ = try PostgresURL(parsing: url)
            Issue.record("\(url) parsed")
        } catch {
            guard case .invalidURL = error else {
                Issue.record("\(error) is not invalidURL")
                return
            }
            #expect(error.description.contains(hint), "\(error)")
            #expect(!error.description.contains("s3cret") && !error.description.contains("s3%ZZcret"), "\(error)")
        }
    }
}
