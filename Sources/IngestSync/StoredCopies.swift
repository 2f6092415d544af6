import Foundation
import IngestCore

/// Where copies live in storage resources, and their removal.
enum StoredCopies {
    /// The path of an object's copy in a vault: the vault directory, then the logical path without
    /// its zone (`/vault/home/rods/data/a.txt` for `/tempZone/home/rods/data/a.txt`), as iRODS lays out vaults.
    static func vaultPath(vault: String, collection: String, name: String) -> String {
        let logical = LogicalPath.join(collection, name)
        let zone = LogicalPath.lineage(of: logical).first ?? ""
        let withoutZone = String(logical.dropFirst(zone.count))
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
