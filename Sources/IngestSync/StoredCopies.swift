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

    /// The vault directory of every vault resource, by resource name.
    static func vaultPaths(catalog: any Catalog) async throws -> [String: String] {
        var vaults: [String: String] = [:]
        for resource in try await catalog.resources() where resource.type == "vault" {
            if let path = resource.path { vaults[resource.name] = path }
        }
        return vaults
    }

    /// Where a trashed copy goes: the vault's `trash` directory mirrors `/zone/trash/...`, so a file
    /// that reappears in the source is copied anew without overwriting the trashed bytes.
    static func trashPath(of path: String, vault: String?) -> String? {
        guard let vault, path.hasPrefix(vault + "/") else { return nil }
        return vault + "/trash" + path.dropFirst(vault.count)
    }

    /// Moves trashed copies into the vault's trash and deletes the copies of replaced trash entries
    /// (those first: a moved copy may take the place of one).
    static func apply(_ copies: [TrashedCopy]) throws {
        for copy in copies where copy.to == nil {
            if unlink(copy.from) != 0 && errno != ENOENT {
                throw FileSystemError(operation: "delete", path: copy.from, code: errno)
            }
        }
        for copy in copies {
            guard let destination = copy.to else { continue }
            try FileManager.default.createDirectory(
                atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // Already moved by an earlier attempt of this task: nothing left to do.
            if rename(copy.from, destination) != 0 && !(errno == ENOENT && access(destination, F_OK) == 0) {
                throw FileSystemError(operation: "move to trash", path: copy.from, code: errno)
            }
        }
    }

    /// Deletes the stored copies of removed replicas that live in vaults. Files registered in
    /// place are never deleted: they belong to the source.
    static func remove(_ replicas: [RemovedReplica], catalog: any Catalog) async throws {
        guard !replicas.isEmpty else { return }
        let vaults = try await vaultPaths(catalog: catalog)
        for replica in replicas {
            guard let vault = vaults[replica.resource], replica.physicalPath.hasPrefix(vault + "/") else { continue }
            if unlink(replica.physicalPath) != 0 && errno != ENOENT {
                throw FileSystemError(operation: "delete", path: replica.physicalPath, code: errno)
            }
        }
    }
}
