import IngestCore

/// A data object's identity in one batch: its collection's id and its name.
struct ObjectKey: Hashable, Comparable, Sendable {
    var collectionID: Int64
    var name: String

    /// The order in which batches take row locks, the same as PostgreSQL's under `COLLATE "C"`,
    /// so that two batches never wait for each other in opposite orders.
    static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        lhs.collectionID != rhs.collectionID
            ? lhs.collectionID < rhs.collectionID : Array(lhs.name.utf8).lexicographicallyPrecedes(rhs.name.utf8)
    }

    // By the name's bytes, as the database compares them: canonically equivalent names are two objects.
    static func == (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        lhs.collectionID == rhs.collectionID && ExactName(lhs.name) == ExactName(rhs.name)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(collectionID)
        hasher.combine(ExactName(name))
    }
}

/// The distinct strings of `values` by their bytes (a `Set<String>` would merge canonically
/// equivalent ones), in first-seen order.
func uniqueByBytes(_ values: [String]) -> [String] {
    var seen = Set<ExactName>()
    return values.filter { seen.insert(ExactName($0)).inserted }
}

struct StoredObject: Equatable, Sendable {
    var id: Int64
    var size: Int64
    var mtimeNanos: Int64
    var checksum: String?
}

struct StoredReplica: Equatable, Sendable {
    var number: Int
    var physicalPath: String
    var size: Int64
    var mtimeNanos: Int64
    var checksum: String?
    var status: ReplicaStatus
}

/// What one `register` batch changes, decided from the rows it read: the same decisions
/// `SQLiteCatalog` makes registration by registration, so that a batch that names one object
/// twice, or on two resources, ends as it would there. Pure, so it is tested without a server.
struct RegistrationPlan: Equatable, Sendable {
    struct ReplicaKey: Hashable, Comparable, Sendable {
        var objectID: Int64
        var resourceID: Int64
        static func < (lhs: ReplicaKey, rhs: ReplicaKey) -> Bool {
            (lhs.objectID, lhs.resourceID) < (rhs.objectID, rhs.resourceID)
        }
    }

    struct Metadata: Hashable, Sendable {
        var objectID: Int64
        var triple: MetadataTriple
    }

    var outcomes: [UpsertOutcome] = []
    /// New size, mtime and checksum of objects whose content changed.
    var objectUpdates: [Int64: StoredObject] = [:]
    /// Replicas to write as given: rewritten by a registration, or marked stale.
    var replicaWrites: [ReplicaKey: StoredReplica] = [:]
    var metadata: [Metadata] = []

    /// - Parameters:
    ///   - registrations: The batch, in order.
    ///   - keys: Per registration, its object key and resource id.
    ///   - created: Objects this batch inserted (with their first replica), by key.
    ///   - existing: Objects that were there before, locked for this batch, by key.
    ///   - replicas: Every replica of the existing objects, by object id and resource id.
    /// - Returns: nil when a registration's object is neither created nor existing (it was deleted
    ///   after this batch's insert found it): the batch should run again.
    init?(
        registrations: [ObjectRegistration], keys: [(object: ObjectKey, resourceID: Int64)],
        created: [ObjectKey: Int64], existing: [ObjectKey: StoredObject], replicas: [Int64: [Int64: StoredReplica]]
    ) {
        var objects = existing
        var replicasByObject = replicas
        var seenCreated: Set<ObjectKey> = []
        var metadataSeen: Set<Metadata> = []
        outcomes.reserveCapacity(registrations.count)
        for (registration, key) in zip(registrations, keys) {
            let objectID: Int64
            if let id = created[key.object], seenCreated.insert(key.object).inserted {
                objectID = id
                objects[key.object] = StoredObject(
                    id: id, size: registration.size, mtimeNanos: registration.mtimeNanos, checksum: registration.checksum)
                replicasByObject[id] = [key.resourceID: StoredReplica(
                    number: 0, physicalPath: registration.physicalPath, size: registration.size,
                    mtimeNanos: registration.mtimeNanos, checksum: registration.checksum, status: .good)]
                outcomes.append(.created)
            } else {
                guard var object = objects[key.object] else { return nil }
                objectID = object.id
                let objectChanged = RegistrationChange.objectChanged(
                    size: object.size, mtimeNanos: object.mtimeNanos, checksum: object.checksum, registration: registration)
                if objectChanged {
                    // New content without a new checksum has no known checksum.
                    object.size = registration.size
                    object.mtimeNanos = registration.mtimeNanos
                    object.checksum = registration.checksum
                    objects[key.object] = object
                    objectUpdates[object.id] = object
                }
                var objectReplicas = replicasByObject[object.id] ?? [:]
                let replica = objectReplicas[key.resourceID]
                let replicaChanged = RegistrationChange.replicaChanged(
                    replica.map { ($0.physicalPath, $0.size, $0.mtimeNanos, $0.status) }, registration: registration)
                let outcome = RegistrationChange.outcome(objectChanged: objectChanged, replicaChanged: replicaChanged, registration: registration)
                if objectChanged {
                    for (resourceID, var other) in objectReplicas where resourceID != key.resourceID && other.status != .stale {
                        other.status = .stale
                        objectReplicas[resourceID] = other
                        replicaWrites[ReplicaKey(objectID: object.id, resourceID: resourceID)] = other
                    }
                }
                if outcome != .unchanged {
                    let number = replica?.number ?? (objectReplicas.values.map(\.number).max().map { $0 + 1 } ?? 0)
                    let rewritten = StoredReplica(
                        number: number, physicalPath: registration.physicalPath, size: registration.size,
                        mtimeNanos: registration.mtimeNanos, checksum: registration.checksum, status: .good)
                    objectReplicas[key.resourceID] = rewritten
                    replicaWrites[ReplicaKey(objectID: object.id, resourceID: key.resourceID)] = rewritten
                }
                replicasByObject[object.id] = objectReplicas
                outcomes.append(outcome)
            }
            for triple in registration.metadata {
                let row = Metadata(objectID: objectID, triple: triple)
                if metadataSeen.insert(row).inserted { metadata.append(row) }
            }
        }
    }
}
