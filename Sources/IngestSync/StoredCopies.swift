import Foundation
import IngestCore

/// Where copies live in storage resources, and their removal.
enum StoredCopies {
    /// The vault directory that holds the copies of a collection's objects: the vault directory, then
    /// the logical path without its zone (`/vault/home/rods/data` for `/tempZone/home/rods/data`), as
    /// iRODS lays out vaults.
    static func vaultDirectory(vault: String, collection: String) -> String {
        let zone = LogicalPath.lineage(of: collection).first ?? ""
        let withoutZone = String(collection.dropFirst(zone.count))
        return (vault.hasSuffix("/") ? String(vault.dropLast()) : vault) + withoutZone
    }

    /// Deletes the stored copies of removed replicas that live in vaults. Files registered in
    /// place are never deleted: they belong to the source.
    static func remove(_ replicas: [RemovedReplica], catalog: any Catalog) async throws {
        var vaults: [String: String?] = [:]
        for replica in replicas {
            if vaults[replica.resource] == nil {
                let resource = try await catalog.resource(named: replica.resource)
                vaults[replica.resource] = resource?.type == "vault" ? resource?.path : nil
            }
            guard let vault = vaults[replica.resource] ?? nil, replica.physicalPath.hasPrefix(vault + "/") else { continue }
            if unlink(replica.physicalPath) != 0 && errno != ENOENT {
                throw FileSystemError(operation: "delete", path: replica.physicalPath, code: errno)
            }
        }
    }
}
