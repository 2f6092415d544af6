import Foundation
import IngestCore
import IngestSQLite
import IngestTesting

/// A catalog in its own temporary directory. Keep the fixture alive for the whole test: the
/// directory, and the catalog file in it, go away when it is released.
struct CatalogFixture {
    let directory: TemporaryDirectory
    let catalog: SQLiteCatalog

    var databasePath: String { directory.subpath("catalog.sqlite") }

    init() throws {
        directory = try TemporaryDirectory()
        catalog = try SQLiteCatalog(path: directory.subpath("catalog.sqlite"))
    }
}

/// An in-place registration with defaults that tests override only where it matters.
func inPlaceRegistration(
    _ collection: String, _ name: String, size: Int64 = 100, mtimeNanos: Int64 = 1_700_000_000_123_456_789,
    resource: String = StorageResource.inPlace.name, metadata: [MetadataTriple] = [], alwaysUpdate: Bool = false
) -> ObjectRegistration {
    ObjectRegistration(
        collection: collection, name: name, size: size, mtimeNanos: mtimeNanos, resource: resource,
        physicalPath: "/data/source" + collection + "/" + name, metadata: metadata, alwaysUpdate: alwaysUpdate)
}

/// Lets the clock move on, so a row written after it has a later timestamp than one written before.
func letClockAdvance() async throws {
    try await Task.sleep(for: .milliseconds(20))
}
