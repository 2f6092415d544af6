import Foundation
import IngestCore
import IngestTesting
import Testing

/// Parses `yaml` as if read from `/etc/ingest/config.yaml` by a user whose home is `/home/u`.
private func parse(_ yaml: String) throws -> IngestConfiguration {
    try IngestConfiguration.parse(yaml: yaml, source: ConfigurationTests.source, homeDirectory: "/home/u")
}

/// The error `yaml` is rejected with; fails the test if it is accepted.
private func rejection(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationError? {
    #expect(throws: ConfigurationError.self, sourceLocation: sourceLocation) { try parse(yaml) }
}

@Suite struct ConfigurationTests {
    static let source = "/etc/ingest/config.yaml"

    static let fullExample = """
        broker: redis://:secret@redis.internal:6379/0     # or sqlite:/var/lib/ingest/state.sqlite
        catalog: postgres://ingest@db.internal/ingest     # or sqlite:/var/lib/ingest/catalog.sqlite
        key_prefix: "ingest:"
        default_resource: archive
        resources:
          - name: archive
            type: vault                 # a directory that Ingest manages
            path: /data/vault
          - name: bucket1
            type: s3
            bucket: raw-data
            endpoint: https://s3.example.org
            region: us-east-1
            credentials: ~/.ingest/s3.keypair
        logging:
          filename: /var/log/ingest/ingest.log
          level: info
          when: midnight
          interval: 1
        """

    // MARK: Accepted files

    @Test func fullExampleParsesEveryKey() throws {
        var expected = IngestConfiguration()
        expected.source = Self.source
        expected.broker = "redis://:secret@redis.internal:6379/0"
        expected.catalog = "postgres://ingest@db.internal/ingest"
        expected.keyPrefix = "ingest:"
        expected.defaultResource = "archive"
        expected.resources = [
            ResourceDefinition(name: "archive", type: .vault, path: "/data/vault"),
            ResourceDefinition(
                name: "bucket1", type: .s3, bucket: "raw-data", endpoint: "https://s3.example.org",
                region: "us-east-1", credentials: "/home/u/.ingest/s3.keypair"),
        ]
        expected.logging = LoggingConfiguration(filename: "/var/log/ingest/ingest.log", level: "info", when: "midnight", interval: 1)
        #expect(try parse(Self.fullExample) == expected)
    }

    @Test func emptyFileIsAnEmptyConfiguration() throws {
        var expected = IngestConfiguration()
        expected.source = Self.source
        #expect(try parse("") == expected)
    }

    @Test func fileWithOnlyCommentsIsAnEmptyConfiguration() throws {
        let configuration = try parse("# nothing configured yet\n\n")
        #expect(configuration.resources.isEmpty)
        #expect(configuration.broker == nil)
        #expect(configuration.logging == nil)
    }

    @Test func emptyConfigurationSaysThereIsNoFile() {
        let configuration = IngestConfiguration()
        #expect(configuration.source == "(no config file)")
        #expect(configuration.resources.isEmpty)
    }

    @Test func keysWithoutValuesAreUnset() throws {
        let configuration = try parse("broker:\nresources:\nlogging:\n")
        #expect(configuration.broker == nil)
        #expect(configuration.resources.isEmpty)
        #expect(configuration.logging == nil)
    }

    @Test(arguments: ["~", "null", "Null", "NULL", "", "!!null x"])
    func plainNullsAreUnset(_ null: String) throws {
        let configuration = try parse("broker: \(null)\nlogging:\n  interval: \(null)\n")
        #expect(configuration.broker == nil)
        #expect(configuration.logging?.interval == nil)
    }

    @Test(arguments: ["'null'", "\"~\"", "nil", "NULLS"])
    func quotedOrOtherWordsThatLookNullAreText(_ text: String) throws {
        let configuration = try parse("broker: \(text)\n")
        #expect(configuration.broker != nil)
    }

    @Test(arguments: [("7", 7), ("+7", 7), ("1_000", 1000), ("0x1F", 31), ("017", 15), ("0o17", 15), ("0b101", 5), ("1:30", 90), ("!!int 9", 9)])
    func integerFormsOfYAML11AreWholeNumbers(_ text: String, _ value: Int) throws {
        let configuration = try parse("logging:\n  interval: \(text)\n")
        #expect(configuration.logging?.interval == value)
    }

    @Test(arguments: ["1.5", "'7'", "1:75", "08", "0x", "7 days", "true"])
    func otherScalarsAreNotWholeNumbers(_ text: String) throws {
        let error = try #require(rejection("logging:\n  interval: \(text)\n"))
        #expect(error.description.contains("must be a whole number"))
    }

    @Test func numericScalarIsAcceptedAsText() throws {
        let configuration = try parse("key_prefix: 2024\n")
        #expect(configuration.keyPrefix == "2024")
    }

    @Test func logLevelIsCaseInsensitiveLikeTheFlag() throws {
        let configuration = try parse("logging:\n  level: WARNING\n  when: W0\n")
        #expect(configuration.logging?.level == "WARNING")
        #expect(configuration.logging?.when == "W0")
    }

    @Test func s3ResourceMayHaveAKeyPrefix() throws {
        let configuration = try parse("resources:\n  - {name: b, type: s3, bucket: raw, path: incoming/}\n")
        #expect(configuration.resources[0].path == "incoming/")
    }

    // MARK: Home directory expansion

    @Test func tildeInVaultPathExpandsToHome() throws {
        let configuration = try parse("resources:\n  - {name: v, type: vault, path: ~/vault}\n")
        #expect(configuration.resources[0].path == "/home/u/vault")
    }

    @Test func tildeInCredentialsExpandsToHome() throws {
        let configuration = try parse("resources:\n  - {name: b, type: s3, bucket: raw, credentials: ~/.ingest/keys}\n")
        #expect(configuration.resources[0].credentials == "/home/u/.ingest/keys")
    }

    @Test func tildeInLogFilenameExpandsToHome() throws {
        let configuration = try parse("logging:\n  filename: ~/logs/ingest.log\n")
        #expect(configuration.logging?.filename == "/home/u/logs/ingest.log")
    }

    @Test func tildeInOtherKeysIsLeftAlone() throws {
        let configuration = try parse("key_prefix: ~/x\n")
        #expect(configuration.keyPrefix == "~/x")
    }

    @Test func tildeOfAnotherUserIsNotExpanded() throws {
        let error = rejection("resources:\n  - {name: v, type: vault, path: ~bob/vault}\n")
        #expect(error == .relativeVaultPath(
            key: "resources[0].path", path: "~bob/vault", at: .init(source: Self.source, line: 2)))
    }

    // MARK: Unknown keys

    @Test func unknownTopLevelKeyIsNamedWithItsLineAndTheAllowedKeys() throws {
        let message = try #require(rejection("broker: sqlite:/tmp/s\nbrokr: x\n")).description
        #expect(message.contains("unknown key 'brokr'"))
        #expect(message.contains("\(Self.source), line 2"))
        #expect(message.contains("broker, catalog, key_prefix, default_resource, resources, logging"))
    }

    @Test func unknownResourceKeyIsNamedByItsPath() throws {
        let yaml = """
            resources:
              - name: archive
                type: vault
                path: /data/vault
              - name: other
                type: vault
                pth: /data/other
            """
        let error = try #require(rejection(yaml))
        #expect(error == .unknownKey(
            key: "resources[1].pth", at: .init(source: Self.source, line: 7),
            allowed: ["name", "type", "path", "bucket", "endpoint", "region", "credentials"]))
        #expect(error.description.contains("'resources[1].pth'"))
        #expect(error.description.contains(Self.source))
    }

    @Test func unknownLoggingKeyIsNamedByItsPath() throws {
        let message = try #require(rejection("logging:\n  lvl: info\n")).description
        #expect(message.contains("'logging.lvl'"))
        #expect(message.contains("\(Self.source), line 2"))
        #expect(message.contains("filename, level, when, interval"))
    }

    // MARK: Wrong types

    @Test func resourcesGivenAsTextIsAWrongType() throws {
        let message = try #require(rejection("resources: archive\n")).description
        #expect(message.contains("'resources' must be a list"))
        #expect(message.contains("\(Self.source), line 1"))
    }

    @Test func resourceEntryThatIsNotAMappingIsAWrongType() throws {
        let message = try #require(rejection("resources:\n  - archive\n")).description
        #expect(message.contains("'resources[0]' must be a mapping"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func intervalThatIsNotAWholeNumberIsAWrongType() throws {
        let message = try #require(rejection("logging:\n  interval: 1h\n")).description
        #expect(message.contains("'logging.interval' must be a whole number, not '1h'"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func quotedIntervalIsAWrongType() throws {
        let error = rejection("logging:\n  interval: \"1\"\n")
        #expect(error == .wrongType(
            key: "logging.interval", at: .init(source: Self.source, line: 2), expected: "a whole number", found: "'1'"))
    }

    @Test func brokerGivenAsAMappingIsAWrongType() throws {
        let message = try #require(rejection("broker:\n  host: redis\n")).description
        #expect(message.contains("'broker' must be a single value, not a mapping"))
        #expect(message.contains(Self.source))
    }

    @Test func loggingGivenAsAListIsAWrongType() throws {
        let message = try #require(rejection("logging:\n  - info\n")).description
        #expect(message.contains("'logging' must be a mapping"))
        #expect(message.contains(Self.source))
    }

    @Test func documentThatIsNotAMappingIsAWrongType() throws {
        let message = try #require(rejection("- broker\n- catalog\n")).description
        #expect(message.contains("'(top level)' must be a mapping of configuration keys, not a list"))
        #expect(message.contains("\(Self.source), line 1"))
    }

    // MARK: Resources

    @Test func resourceWithoutNameIsRejected() throws {
        let error = try #require(rejection("resources:\n  - type: vault\n    path: /v\n"))
        #expect(error == .missingKey(
            key: "resources[0].name", at: .init(source: Self.source, line: 2),
            reason: "every resource needs a name; add `name: ...`"))
        #expect(error.description.contains(Self.source))
    }

    @Test func resourceWithoutTypeIsRejected() throws {
        let message = try #require(rejection("resources:\n  - name: archive\n    path: /v\n")).description
        #expect(message.contains("'resources[0].type' is missing"))
        #expect(message.contains("type: vault"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func duplicateResourceNamesAreRejected() throws {
        let yaml = """
            resources:
              - {name: archive, type: vault, path: /a}
              - {name: other, type: vault, path: /b}
              - {name: archive, type: vault, path: /c}
            """
        let error = try #require(rejection(yaml))
        #expect(error == .duplicateResourceName(
            key: "resources[2].name", name: "archive", at: .init(source: Self.source, line: 4), firstKey: "resources[0].name"))
        #expect(error.description.contains("must be unique"))
    }

    @Test func unknownResourceTypeListsTheTypes() throws {
        let message = try #require(rejection("resources:\n  - {name: a, type: ftp}\n")).description
        #expect(message.contains("'resources[0].type' is 'ftp'"))
        #expect(message.contains("use one of: vault, s3"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func vaultWithoutPathIsRejected() throws {
        let message = try #require(rejection("resources:\n  - {name: a, type: vault}\n")).description
        #expect(message.contains("'resources[0].path' is missing"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func vaultWithRelativePathIsRejected() throws {
        let message = try #require(rejection("resources:\n  - name: a\n    type: vault\n    path: data/vault\n")).description
        #expect(message.contains("'resources[0].path' is 'data/vault', a relative path"))
        #expect(message.contains("\(Self.source), line 4"))
    }

    @Test func vaultWithAnS3OnlyKeyIsRejected() throws {
        let message = try #require(rejection("resources:\n  - name: a\n    type: vault\n    path: /v\n    bucket: raw\n")).description
        #expect(message.contains("'resources[0].bucket' applies only to s3 resources"))
        #expect(message.contains("\(Self.source), line 5"))
    }

    @Test func s3WithoutBucketIsRejected() throws {
        let message = try #require(rejection("resources:\n  - {name: b, type: s3, region: us-east-1}\n")).description
        #expect(message.contains("'resources[0].bucket' is missing"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test(arguments: [
        ("\"\"", "it is empty"),
        ("a/b", "it contains '/'"),
        ("\"my vault\"", "it contains whitespace"),
        ("\"tab\\tname\"", "it contains whitespace"),
    ])
    func unusableResourceNameIsRejected(name: String, reason: String) throws {
        let message = try #require(rejection("resources:\n  - name: \(name)\n    type: vault\n    path: /v\n")).description
        #expect(message.contains("'resources[0].name'"))
        #expect(message.contains(reason))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func defaultResourceMustBeDefined() throws {
        let message = try #require(rejection("default_resource: archve\nresources:\n  - {name: archive, type: vault, path: /v}\n")).description
        #expect(message.contains("default_resource 'archve' is not defined; defined: archive"))
        #expect(message.contains("\(Self.source), line 1"))
    }

    @Test func defaultResourceWithNoResourcesSaysNoneAreDefined() throws {
        let message = try #require(rejection("default_resource: archive\n")).description
        #expect(message.contains("no resources are defined there"))
        #expect(message.contains(Self.source))
    }

    // MARK: Logging values

    @Test func unknownLogLevelIsRejected() throws {
        let message = try #require(rejection("logging:\n  level: verbose\n")).description
        #expect(message.contains("'logging.level' is 'verbose'"))
        #expect(message.contains("debug, info"))
        #expect(message.contains("\(Self.source), line 2"))
    }

    @Test func unknownRotationUnitIsRejected() throws {
        let message = try #require(rejection("logging:\n  when: midnite\n")).description
        #expect(message.contains("'logging.when' is 'midnite'"))
        #expect(message.contains("midnight, W0-W6"))
    }

    @Test func intervalBelowOneIsRejected() throws {
        let message = try #require(rejection("logging:\n  interval: 0\n")).description
        #expect(message.contains("'logging.interval' is '0'"))
        #expect(message.contains("at least 1"))
    }

    // MARK: Malformed YAML

    @Test func malformedYAMLNamesTheFileAndPosition() throws {
        let error = try #require(rejection("broker: x\nresources:\n  - name: a\n   type: vault\n"))
        guard case .malformedYAML(let source, let line, let column, _) = error else {
            Issue.record("expected malformedYAML, got \(error)")
            return
        }
        #expect(source == Self.source)
        #expect(line == 4)
        #expect(column != nil)
        #expect(error.description.hasPrefix("\(Self.source) is not valid YAML at line 4, column"))
    }

    @Test func repeatedKeyIsRejectedWithoutEchoingTheFile() throws {
        let error = try #require(rejection("broker: sqlite:/a\ncatalog: sqlite:/c\nbroker: sqlite:/b\n"))
        #expect(error == .duplicateKey(keys: ["broker"], at: .init(source: Self.source, line: 1)))
        #expect(!error.description.contains("sqlite:/c"))
    }

    // MARK: Loading files

    @Test func missingFileThatIsNotRequiredIsAnEmptyConfiguration() throws {
        let directory = try TemporaryDirectory()
        let configuration = try IngestConfiguration.load(path: directory.subpath("config.yaml"), required: false)
        #expect(configuration == IngestConfiguration())
    }

    @Test func missingFileThatIsRequiredIsAnErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("config.yaml")
        let error = #expect(throws: ConfigurationError.self) {
            try IngestConfiguration.load(path: path, required: true)
        }
        #expect(error == .fileNotFound(path: path))
        #expect(error?.description.contains(path) == true)
    }

    @Test func loadedFileIsTheSourceOfItsMessages() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(directory.path, "config.yaml", "brokr: x\n")
        let error = #expect(throws: ConfigurationError.self) {
            try IngestConfiguration.load(path: path, required: false)
        }
        #expect(error?.description.contains("\(path), line 1") == true)
    }

    @Test func loadedFileIsParsed() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(directory.path, "config.yaml", Self.fullExample)
        let configuration = try IngestConfiguration.load(path: path, required: true, homeDirectory: "/home/u")
        #expect(configuration.source == path)
        #expect(configuration.resources.map(\.name) == ["archive", "bucket1"])
    }

    @Test func loadExpandsTildeInThePath() throws {
        let directory = try TemporaryDirectory()
        try TreeBuilder.write(directory.path, ".ingest/config.yaml", "key_prefix: \"t:\"\n")
        let configuration = try IngestConfiguration.load(path: "~/.ingest/config.yaml", required: true, homeDirectory: directory.path)
        #expect(configuration.keyPrefix == "t:")
        #expect(configuration.source == directory.subpath(".ingest/config.yaml"))
    }

    @Test func directoryInsteadOfFileIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: ConfigurationError.self) {
            try IngestConfiguration.load(path: directory.path, required: false)
        }
        #expect(error == .unreadableFile(path: directory.path, reason: "it is a directory"))
    }

    // MARK: Looking resources up

    @Test func resourceNamedReturnsTheDefinition() throws {
        let resource = try parse(Self.fullExample).resource(named: "bucket1")
        #expect(resource.type == .s3)
        #expect(resource.bucket == "raw-data")
    }

    @Test func undefinedResourceListsTheDefinedOnes() throws {
        let configuration = try IngestConfiguration.parse(yaml: Self.fullExample, source: "/home/u/.ingest/config.yaml")
        let error = #expect(throws: ConfigurationError.self) { try configuration.resource(named: "x") }
        #expect(error?.description == "resource 'x' is not defined in /home/u/.ingest/config.yaml; defined: archive, bucket1")
    }

    @Test func undefinedResourceWithNoneDefinedSaysSo() throws {
        let configuration = try IngestConfiguration.parse(yaml: "", source: "/home/u/.ingest/config.yaml")
        let error = #expect(throws: ConfigurationError.self) { try configuration.resource(named: "x") }
        #expect(error?.description == "resource 'x' is not defined in /home/u/.ingest/config.yaml; no resources are defined there")
    }

    // MARK: Catalog view

    @Test func vaultStorageResourceKeepsItsPath() {
        let resource = ResourceDefinition(name: "archive", type: .vault, path: "/data/vault")
        #expect(resource.storageResource == StorageResource(name: "archive", type: "vault", path: "/data/vault"))
    }

    @Test func s3StorageResourceIsRecordedAsABucketURLWithoutSecrets() {
        let resource = ResourceDefinition(
            name: "b", type: .s3, path: "/incoming", bucket: "raw", endpoint: "https://s3.example.org", credentials: "/k")
        #expect(resource.storageResource == StorageResource(name: "b", type: "s3", path: "s3://raw/incoming"))
    }
}
