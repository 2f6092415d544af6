import Foundation
import IngestCore
import Testing

/// A vault path is read in one spelling: copies are recognised as the vault's by the path as a
/// prefix, so `/data/vault/` recorded as written made TRASH leave copies in place and NO_TRASH
/// orphan them.
@Suite struct VaultPathNormalisationTests {
    private func vaultPath(_ path: String) throws -> String? {
        let yaml = "resources:\n  - name: v\n    type: vault\n    path: \"\(path)\"\n"
        return try IngestConfiguration.parse(yaml: yaml, source: "/etc/ingest/config.yaml", homeDirectory: "/home/u").resources[0].path
    }

    @Test(arguments: [
        ("/data/vault/", "/data/vault"),
        ("/data/vault//", "/data/vault"),
        ("//data//vault", "/data/vault"),
        ("/data/./vault/.", "/data/vault"),
        ("~/vault/", "/home/u/vault"),
        ("/data/vault", "/data/vault"),
    ])
    func vaultPathIsReadInItsOneSpelling(_ written: String, _ normalised: String) throws {
        #expect(try vaultPath(written) == normalised)
    }

    @Test func parentComponentIsRefusedWithTheFix() throws {
        let error = #expect(throws: ConfigurationError.self) { try vaultPath("/data/../vault") }
        let message = error?.description ?? ""
        #expect(message.contains("'resources[0].path' is '/data/../vault'"), "\(message)")
        #expect(message.contains("write the path without '..'"), "\(message)")
    }

    @Test(arguments: ["/", "//", "/./"])
    func rootIsRefusedAsAVault(_ path: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try vaultPath(path) }
        #expect(error?.description.contains("a vault cannot be the root directory") == true, "\(String(describing: error))")
    }

    @Test func relativePathIsStillRefused() throws {
        let error = #expect(throws: ConfigurationError.self) { try vaultPath("data/vault/") }
        #expect(error?.description.contains("a relative path") == true)
    }

    @Test func s3PrefixIsKeptAsWritten() throws {
        let yaml = "resources:\n  - {name: b, type: s3, bucket: raw, path: prefix/}\n"
        let configuration = try IngestConfiguration.parse(yaml: yaml, source: "c.yaml", homeDirectory: "/home/u")
        #expect(configuration.resources[0].path == "prefix/")
    }

    @Test func normalizedPathOfARecordedSpellingMatchesTheConfiguredOne() {
        #expect(ResourceDefinition.normalizedPath("/data/vault/") == "/data/vault")
        #expect(ResourceDefinition.normalizedPath("/") == "/")
    }
}
