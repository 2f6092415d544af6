import Foundation
import IngestTesting
import Testing

extension CommandLineTests {
    /// A password in a broker or catalog URL, of any scheme, never shows in a message, and a value
    /// that is not recognisably a URL (a password pasted into the wrong option) is not repeated at all.
    @Suite struct PasswordMaskingTests {
        static let secret = "S3cret-pw"

        @Test(arguments: [
            (["list", "--broker", "http://:\(secret)@host/"], "'http://:***@host/'"),
            (["list", "--broker", "redis://:\(secret)@host:99999/0"], "redis://:***@host:99999/0"),
            (["list", "--broker", "rediss://:pw@host/0?password=\(secret)"], "password=***"),
            (["ls", "/tempZone", "--catalog", "mysql://u:\(secret)@h/db"], "'mysql://u:***@h/db'"),
            (["ls", "/tempZone", "--catalog", "postgres://u:\(secret)@h:54x2/db"], "postgres://u:***@h:54x2/db"),
            (["ls", "/tempZone", "--catalog", "postgres://u@h/db?password=\(secret)"], "password=***"),
        ])
        func passwordInAURLIsMasked(_ arguments: [String], _ shown: String) async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(arguments)
            #expect(result.status != 0)
            #expect(!(result.stdout + result.stderr).contains(Self.secret), "\(result.stderr)")
            #expect(result.stderr.contains(shown), "the URL is still named, masked: \(result.stderr)")
        }

        @Test(arguments: [["ls", "/tempZone", "--catalog", secret], ["list", "--broker", secret], ["list", "--broker", "pass:\(secret)"]])
        func valueThatIsNotAURLIsNotRepeated(_ arguments: [String]) async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(arguments)
            #expect(result.status != 0)
            #expect(!(result.stdout + result.stderr).contains(Self.secret), "\(result.stderr)")
            #expect(result.stderr.contains("\(arguments.last!.count) characters"), "says how long the value was: \(result.stderr)")
            #expect(result.stderr.contains("sqlite:PATH"), "says what is accepted: \(result.stderr)")
        }

        @Test func passwordInTheCatalogVariableIsNotRepeated() async throws {
            let world = try CLIWorld()
            world.ingest.extraEnvironment["INGEST_CATALOG_URL"] = Self.secret
            let result = try await world.ingest.run(["ls", "/tempZone"])
            #expect(result.status != 0)
            #expect(!(result.stdout + result.stderr).contains(Self.secret), "\(result.stderr)")
        }
    }
}
