import Foundation

public enum CatalogPathKind: Sendable, Equatable {
    case collection, dataObject
}

/// The data-management namespace `sync` writes: collections, data objects, replicas,
/// resources and metadata. Writes are idempotent upserts keyed by logical path, so a task that
/// runs twice writes the same rows. Implementations: `SQLiteCatalog`, `PostgresCatalog`.
public protocol Catalog: Sendable {
    /// Creates the resource, or checks that an existing one has the same type and path.
    func ensureResource(_ resource: StorageResource) async throws

    func resources() async throws -> [StorageResource]

    func resource(named name: String) async throws -> StorageResource?

    /// Every resource with the number of replicas and bytes it holds.
    func resourceUsage() async throws -> [ResourceUsage]

    /// Creates each collection and its missing ancestors.
    /// - Returns: per requested path, whether it was created or already there.
    func ensureCollections(_ paths: [String]) async throws -> [UpsertOutcome]

    /// Change detection for a slice of a directory listing, in one query: for each named object that
    /// has a replica on `resource`, that replica's size and mtime, and whether its physical path is
    /// `directory` + "/" + name.
    /// Keyed by the names' bytes: canonically equivalent names are distinct objects.
    func replicaFingerprints(in collection: String, names: [String], resource: String, directory: String) async throws -> [ExactName: ReplicaFingerprint]

    /// Catalog state of the named objects in one collection with their replica on `resource`.
    /// Keyed by the names' bytes, like `replicaFingerprints`.
    func replicaStates(in collection: String, names: [String], resource: String) async throws -> [ExactName: ReplicaState]

    /// Registers or updates objects, in one transaction, creating missing collections. When an
    /// object's content changed (size, mtime or checksum), its replicas on other resources are
    /// marked stale.
    /// - Returns: one outcome per registration, in order.
    func register(_ registrations: [ObjectRegistration]) async throws -> [UpsertOutcome]

    /// Applies metadata changes to collections and data objects in one transaction, as if one after
    /// another in the order given (see `MetadataEdit`). A path names the collection there, else the
    /// data object. Event handlers send a whole entry's (or a batch's) changes in one call.
    /// - Throws: `IngestError.notFoundInCatalog` for the first path, in order, where nothing is;
    ///   then nothing changes.
    func applyMetadata(_ changes: [MetadataChange]) async throws

    /// Sub-collection and object names directly inside a collection (empty if it does not exist).
    func children(of collection: String) async throws -> CollectionChildren

    /// Removes objects and whole sub-collections of `collection` from the catalog, in one transaction.
    /// - Returns: the replicas that were removed, so stored copies can be deleted.
    func unregister(in collection: String, objects: [String], collections: [String]) async throws -> [RemovedReplica]

    /// Moves objects and sub-collections of `collection` to the same place under `trashRoot`
    /// (`/zone/trash` for `/zone/...`), replacing what the trash held there.
    /// - Parameter relocate: for a replica (resource, physical path), where its stored copy moves to,
    ///   or nil to leave it; the catalog records the new paths and the caller moves the files.
    /// - Returns: the copies to move (`to` set) and the copies of replaced trash entries to delete (`to` nil).
    func moveToTrash(
        in collection: String, objects: [String], collections: [String], trashRoot: String,
        relocate: @Sendable (_ resource: String, _ physicalPath: String) -> String?
    ) async throws -> [TrashedCopy]

    /// Data objects at or below `path` with their replicas and metadata, in pages: pass the last
    /// page's `cursor` to get the next.
    func objects(under path: String, after cursor: Int64?, limit: Int) async throws -> (objects: [DataObject], cursor: Int64?)

    /// Whether the path is a collection, a data object, or absent.
    func kind(of path: String) async throws -> CatalogPathKind?

    func collection(at path: String) async throws -> CatalogCollection?

    func dataObject(at path: String) async throws -> DataObject?

    /// Sub-collections then data objects directly in a collection, by name.
    /// What a collection holds; `/` lists the top collections (the zones).
    func list(collection path: String) async throws -> [CatalogEntry]
}

extension Catalog {
    /// Adds metadata to a collection or data object; triples already there are kept once.
    /// - Throws: `IngestError.notFoundInCatalog` if nothing is at `path` (and `triples` is not empty).
    public func addMetadata(_ triples: [MetadataTriple], to path: String) async throws {
        try await applyMetadata(triples.map { .add(path: path, $0) })
    }
}
