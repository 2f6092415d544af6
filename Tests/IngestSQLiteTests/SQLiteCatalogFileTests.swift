import Foundation
import IngestCore
import IngestSQLite
import IngestTesting
import Testing

/// What only the file-backed catalog does; shared behaviour is in CatalogConformanceTests.
@Suite struct SQLiteCatalogFileTests {
    @Test func openingACatalogCreatesItsMissingDirectories() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("nested/deeper/catalog.sqlite")

        let catalog = try SQLiteCatalog(path: path)

        #expect(try await catalog.resources() == [StorageResource.inPlace])
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
