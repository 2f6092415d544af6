import Crypto
import Foundation
import IngestCore

/// Where copies live in storage resources, and their removal.
///
/// The rule every removal and move keeps: Ingest removes or renames only files inside the vault of
/// the replica's own resource, never a file inside the job's source. A replica registered in place
/// points at the user's file, and the user's file is never touched.
enum StoredCopies {
    /// The vault directory that holds the copies of a collection's objects: the vault directory, then
    /// the whole logical path, zone included (`/vault/tempZone/home/rods/data` for
    /// `/tempZone/home/rods/data`), so that collections of two zones never share a directory.
    /// Copies made before the zone was part of the layout keep the paths the catalog recorded.
    /// A component longer than a file name may be gets a shortened name, as files do (`fileName`).
    static func vaultDirectory(vault: String, collection: String) -> String {
        guard collection.utf8.split(separator: UInt8(ascii: "/")).contains(where: { $0.count > nameLimit }) else {
            return normalizedVault(vault) + collection
        }
        return normalizedVault(vault) + "/" + collection.split(separator: "/").map { fileName(for: String($0)) }.joined(separator: "/")
    }

    /// The longest file name the file system takes (Linux `NAME_MAX`).
    static let nameLimit = 255

    /// The name of an object's copy in its vault directory: the object's name, unless that is longer
    /// than a file name may be (a 255-byte name that escaping made longer), in which case a prefix of
    /// it and a hash of the whole name, so that the copy can be made and stays one per name.
    static func fileName(for name: String) -> String {
        guard name.utf8.count > nameLimit else { return name }
        var prefix = ""
        for character in name.unicodeScalars {
            guard prefix.utf8.count + String(character).utf8.count <= 200 else { break }
            prefix.unicodeScalars.append(character)
        }
        let digest = SHA256.hash(data: Data(name.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return prefix + "~" + digest
    }

    /// A vault path without trailing slashes, as the configuration file may have spelt it.
    static func normalizedVault(_ vault: String) -> String {
        var path = vault
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The vault directory of every vault resource, by resource name.
    static func vaultPaths(catalog: any Catalog) async throws -> [String: String] {
        var vaults: [String: String] = [:]
        for resource in try await catalog.resources() where resource.type == "vault" {
            if let path = resource.path { vaults[resource.name] = normalizedVault(path) }
        }
        return vaults
    }

    /// The location (`s3://bucket/prefix`) of every s3 resource, by resource name: copies there are
    /// objects under it, removed and trashed through the resource's `Storage`.
    static func objectStoreRoots(catalog: any Catalog) async throws -> [String: String] {
        var roots: [String: String] = [:]
        for resource in try await catalog.resources() where resource.type == ResourceType.s3.rawValue {
            if let path = resource.path { roots[resource.name] = path }
        }
        return roots
    }

    /// The copies among `replicas` that live in s3 resources, removed through their storages.
    static func removeObjects(_ replicas: [RemovedReplica], roots: [String: String], objectStores: (any ObjectStores)?, source: String?) async throws {
        for replica in replicas {
            guard let root = roots[replica.resource], isRemovable(replica.physicalPath, vault: root, source: source) else { continue }
            guard let objectStores else { throw PermanentTaskError("removing \(replica.physicalPath) needs an S3 client, which this worker lacks") }
            try await objectStores.storage(resource: replica.resource).remove(String(replica.physicalPath.dropFirst(root.count + 1)))
        }
    }

    /// Moves trashed copies that live in s3 resources (copied under the trash key, then deleted),
    /// and deletes those of replaced trash entries.
    static func applyToObjects(_ copies: [TrashedCopy], roots: [String: String], objectStores: (any ObjectStores)?, source: String?) async throws {
        for copy in copies {
            guard let root = roots[copy.resource], isRemovable(copy.from, vault: root, source: source) else { continue }
            guard let objectStores else { throw PermanentTaskError("moving \(copy.from) needs an S3 client, which this worker lacks") }
            let storage = try await objectStores.storage(resource: copy.resource)
            let key = String(copy.from.dropFirst(root.count + 1))
            if let destination = copy.to, isRemovable(destination, vault: root, source: source) {
                let trashKey = String(destination.dropFirst(root.count + 1))
                do {
                    try await storage.trash(key, to: trashKey)
                } catch {
                    // Already moved by an earlier attempt of this task: nothing left to do.
                    let moved = try await storage.stat(key) == nil
                    guard moved, try await storage.stat(trashKey) != nil else { throw error }
                }
            } else if copy.to == nil {
                try await storage.remove(key)
            }
        }
    }

    /// Whether `path` is a file Ingest may remove or rename: strictly inside `vault`, and not inside
    /// the job's source (which would be a file the user owns, however the directories overlap).
    static func isRemovable(_ path: String, vault: String?, source: String?) -> Bool {
        guard let vault, path.utf8.starts(with: (vault + "/").utf8) else { return false }
        if let source, path.utf8.starts(with: (normalizedVault(source) + "/").utf8) { return false }
        return !path.split(separator: "/").contains("..")
    }

    /// Where a trashed copy goes: the vault directory of the trash collection `/zone/trash/...`, so a
    /// file that reappears in the source is copied anew without overwriting the trashed bytes.
    /// - Parameter zone: the zone of the collection the copy's object leaves (`/tempZone`).
    static func trashPath(of path: String, vault: String?, zone: String, source: String?) -> String? {
        guard let vault, isRemovable(path, vault: vault, source: source) else { return nil }
        let zoneDirectory = vault + zone
        let trash = zoneDirectory + "/trash"
        if path.utf8.starts(with: (trash + "/").utf8) { return nil }
        // Copies made before the zone was part of the layout sit right under the vault.
        let rest = path.utf8.starts(with: (zoneDirectory + "/").utf8) ? path.dropFirst(zoneDirectory.count) : path.dropFirst(vault.count)
        return trash + rest
    }

    /// Moves trashed copies into the vault's trash and deletes the copies of replaced trash entries
    /// (those first: a moved copy may take the place of one). Paths outside their resource's vault are
    /// left alone: they are files registered in place.
    static func apply(_ copies: [TrashedCopy], vaults: [String: String], source: String?) throws {
        for copy in copies where copy.to == nil && isRemovable(copy.from, vault: vaults[copy.resource], source: source) {
            if unlink(copy.from) != 0 && errno != ENOENT {
                throw FileSystemError(operation: "delete", path: copy.from, code: errno)
            }
        }
        for copy in copies {
            guard let destination = copy.to, isRemovable(copy.from, vault: vaults[copy.resource], source: source),
                isRemovable(destination, vault: vaults[copy.resource], source: source)
            else { continue }
            try FileCopier.ensureDirectory((destination as NSString).deletingLastPathComponent)
            // Already moved by an earlier attempt of this task: nothing left to do.
            if rename(copy.from, destination) != 0 && !(errno == ENOENT && access(destination, F_OK) == 0) {
                throw FileSystemError(operation: "move to trash", path: copy.from, code: errno)
            }
        }
    }

    /// Removes the directories under `path` (and `path` itself) that the removal of a collection's
    /// copies left empty, deepest first; a directory that still holds anything stays.
    static func removeEmptyDirectories(_ path: String, vault: String, source: String?) {
        guard isRemovable(path, vault: vault, source: source), let stream = opendir(path) else { return }
        var subdirectories: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != ".", name != "..", Int32(entry.pointee.d_type) == Int32(DT_DIR) { subdirectories.append(path + "/" + name) }
        }
        closedir(stream)
        for subdirectory in subdirectories { removeEmptyDirectories(subdirectory, vault: vault, source: source) }
        rmdir(path)
    }

    /// Deletes the stored copies of removed replicas that live in vaults. Files registered in
    /// place are never deleted: they belong to the source.
    static func remove(_ replicas: [RemovedReplica], catalog: any Catalog, source: String?) async throws {
        guard !replicas.isEmpty else { return }
        let vaults = try await vaultPaths(catalog: catalog)
        for replica in replicas where isRemovable(replica.physicalPath, vault: vaults[replica.resource], source: source) {
            if unlink(replica.physicalPath) != 0 && errno != ENOENT {
                throw FileSystemError(operation: "delete", path: replica.physicalPath, code: errno)
            }
        }
    }
}
