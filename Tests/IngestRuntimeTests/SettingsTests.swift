import Foundation
import IngestCore
import IngestRuntime
import IngestTesting
import Testing

/// Settings resolve once per process: flag, then environment, then configuration file, then default.
@Suite struct SettingsTests {
    private func home(config: String?) throws -> TemporaryDirectory {
        let home = try TemporaryDirectory()
        if let config { try TreeBuilder.write(home.path, "config.yaml", config) }
        return home
    }

    @Test func theBrokerAndCatalogComeFromTheFlagThenTheEnvironmentThenTheFileThenTheDefault() throws {
        let home = try home(config: "broker: sqlite:/from/config.sqlite\ncatalog: sqlite:/from/config-catalog.sqlite\n")
        var flags = SettingOverrides()
        flags.broker = "sqlite:/from/flag.sqlite"
        flags.catalog = "sqlite:/from/flag-catalog.sqlite"
        let environment = [
            "INGEST_HOME": home.path, "INGEST_BROKER_URL": "sqlite:/from/env.sqlite", "INGEST_CATALOG_URL": "sqlite:/from/env-catalog.sqlite",
        ]
        let fromFlags = try IngestSettings(flags, environment: environment)
        #expect(fromFlags.brokerURL == "sqlite:/from/flag.sqlite")
        #expect(fromFlags.catalogURL == "sqlite:/from/flag-catalog.sqlite")
        let fromEnvironment = try IngestSettings(environment: environment)
        #expect(fromEnvironment.brokerURL == "sqlite:/from/env.sqlite")
        #expect(fromEnvironment.catalogURL == "sqlite:/from/env-catalog.sqlite")
        let fromFile = try IngestSettings(environment: ["INGEST_HOME": home.path])
        #expect(fromFile.brokerURL == "sqlite:/from/config.sqlite")
        #expect(fromFile.catalogURL == "sqlite:/from/config-catalog.sqlite")
        let bare = try self.home(config: nil)
        let defaults = try IngestSettings(environment: ["INGEST_HOME": bare.path])
        #expect(defaults.brokerURL == "sqlite:\(bare.path)/state.sqlite")
        #expect(defaults.catalogURL == "sqlite:\(bare.path)/catalog.sqlite")
    }

    @Test func irodsAutomatedIngestsRedisSettingsBuildTheBrokerURL() throws {
        let home = try home(config: nil)
        var flags = SettingOverrides()
        flags.redisHost = "cache.example"
        let settings = try IngestSettings(flags, environment: ["INGEST_HOME": home.path, "REDIS_PORT": "6390", "REDIS_DB": "2"])
        #expect(settings.brokerURL == "redis://cache.example:6390/2")
        #expect(throws: IngestError.self) {
            _ = try IngestSettings(flags, environment: ["INGEST_HOME": home.path, "REDIS_PORT": "many"])
        }
    }

    @Test func aBrokerPasswordNeverAppearsInItsDescription() throws {
        let home = try home(config: nil)
        var flags = SettingOverrides()
        flags.broker = "redis://:hunter2@cache.example:6379/0"
        let settings = try IngestSettings(flags, environment: ["INGEST_HOME": home.path])
        let description = try settings.brokerDescription()
        #expect(!description.contains("hunter2"))
        #expect(description.contains("cache.example"))
    }
}
