import IngestCore
import IngestPostgres
import IngestTesting
import Testing

/// What a user sees when the catalog URL points at the wrong place.
@Suite struct PostgresConnectionErrorTests {
    @Test func aWrongPasswordIsRefusedNamingTheUserButNotThePassword() async throws {
        var url = try PostgresURL(parsing: PostgresTestServer.url())
        url.password = "definitely-wrong-secret"

        let error = await #expect(throws: PostgresCatalogError.self) {
            _ = try await PostgresCatalog.connect(url: url.unredactedString, logger: .quiet)
        }

        let message = try #require(error).description
        #expect(message.contains("refused user '\(url.username)'"))
        #expect(message.contains("password in the catalog URL"))
        #expect(!message.contains("definitely-wrong-secret"))
    }

    @Test func aMissingDatabaseIsNamedWithHowToCreateIt() async throws {
        var url = try PostgresURL(parsing: PostgresTestServer.url())
        url.database = "no_such_catalog"

        let error = await #expect(throws: PostgresCatalogError.self) {
            _ = try await PostgresCatalog.connect(url: url.unredactedString, logger: .quiet)
        }

        #expect(error?.description.contains("no database 'no_such_catalog'; create it") == true)
    }

    @Test func aServerThatIsNotListeningFailsWithTheRefusalNotAWaitTimeout() async throws {
        var url = try PostgresURL(parsing: PostgresTestServer.url())
        url.port = 1

        let error = await #expect(throws: PostgresCatalogError.self) {
            _ = try await PostgresCatalog.connect(
                url: url.unredactedString, logger: .quiet, options: .init(connectionWaitLimit: .seconds(1)))
        }

        // The refusal itself is reported (the pool probes after its 1 s wait limit), not a timeout
        // of postgres-nio's own 60-second wait. Asserted by the message, not a clock: a full suite on
        // two cores has starved this process for a minute.
        let message = try #require(error).description
        #expect(message.contains("Connection refused"), "\(message)")
        #expect(message.contains("127.0.0.1:1/"))
        #expect(message.contains("unavailable"))
        #expect(!message.contains(url.password ?? "\u{0}"))
    }

    @Test func aMalformedURLIsAnInvalidURLError() async {
        await #expect(throws: IngestError.self) {
            _ = try await PostgresCatalog.connect(url: "postgres://db.internal/catalog", logger: .quiet)
        }
    }
}
