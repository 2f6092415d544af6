import Foundation
import IngestCore

/// An in-place registration with defaults that tests override only where it matters.
func inPlaceRegistration(
    _ collection: String, _ name: String, size: Int64 = 100, mtimeNanos: Int64 = 1_700_000_000_123_456_789,
    resource: String = StorageResource.inPlace.name, checksum: String? = nil, metadata: [MetadataTriple] = [],
    alwaysUpdate: Bool = false
) -> ObjectRegistration {
    ObjectRegistration(
        collection: collection, name: name, size: size, mtimeNanos: mtimeNanos, resource: resource,
        physicalPath: "/data/source" + collection + "/" + name, checksum: checksum, metadata: metadata, alwaysUpdate: alwaysUpdate)
}

/// A registration of a copy stored in a vault resource.
func vaultRegistration(
    _ collection: String, _ name: String, vault: String = "vault1", size: Int64 = 100,
    mtimeNanos: Int64 = 1_700_000_000_123_456_789, checksum: String? = nil
) -> ObjectRegistration {
    ObjectRegistration(
        collection: collection, name: name, size: size, mtimeNanos: mtimeNanos, resource: vault,
        physicalPath: "/vaults/\(vault)" + collection + "/" + name, checksum: checksum)
}

let vault1 = StorageResource(name: "vault1", type: "vault", path: "/vaults/vault1")

/// Lets the clock move on, so a row written after it has a later timestamp than one written before.
func letClockAdvance() async throws {
    try await Task.sleep(for: .milliseconds(20))
}
