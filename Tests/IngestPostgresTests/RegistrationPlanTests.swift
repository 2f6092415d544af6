import IngestCore
@testable import IngestPostgres
import Testing

/// The decisions a register batch makes from the rows it read, without a server.
@Suite struct RegistrationPlanTests {
    let key = ObjectKey(collectionID: 7, name: "a.txt")
    let inPlace: Int64 = 1
    let vault: Int64 = 2

    func registration(size: Int64, path: String = "/src/a.txt", checksum: String? = nil) -> ObjectRegistration {
        ObjectRegistration(collection: "/zone/data", name: "a.txt", size: size, mtimeNanos: 5, resource: "r", physicalPath: path, checksum: checksum)
    }

    func replica(number: Int, size: Int64, status: ReplicaStatus = .good) -> StoredReplica {
        StoredReplica(number: number, physicalPath: "/src/a.txt", size: size, mtimeNanos: 5, checksum: nil, status: status)
    }

    @Test func anUnchangedObjectWritesNothing() throws {
        let plan = try #require(RegistrationPlan(
            registrations: [registration(size: 10)], keys: [(key, inPlace)], created: [:],
            existing: [key: StoredObject(id: 3, size: 10, mtimeNanos: 5, checksum: nil)],
            replicas: [3: [inPlace: replica(number: 0, size: 10)]]))

        #expect(plan.outcomes == [.unchanged])
        #expect(plan.objectUpdates.isEmpty && plan.replicaWrites.isEmpty)
    }

    @Test func changedContentRewritesItsReplicaAndMarksTheOthersStale() throws {
        let plan = try #require(RegistrationPlan(
            registrations: [registration(size: 20)], keys: [(key, inPlace)], created: [:],
            existing: [key: StoredObject(id: 3, size: 10, mtimeNanos: 5, checksum: "old")],
            replicas: [3: [inPlace: replica(number: 0, size: 10), vault: replica(number: 1, size: 10)]]))

        #expect(plan.outcomes == [.updated])
        #expect(plan.objectUpdates[3] == StoredObject(id: 3, size: 20, mtimeNanos: 5, checksum: nil))
        #expect(plan.replicaWrites[.init(objectID: 3, resourceID: inPlace)] == replica(number: 0, size: 20))
        #expect(plan.replicaWrites[.init(objectID: 3, resourceID: vault)] == replica(number: 1, size: 10, status: .stale))
    }

    @Test func aCreatedObjectNamedAgainInTheBatchIsComparedWithItsFirstRegistration() throws {
        let plan = try #require(RegistrationPlan(
            registrations: [registration(size: 10), registration(size: 10), registration(size: 10, path: "/elsewhere")],
            keys: [(key, inPlace), (key, inPlace), (key, vault)], created: [key: 3], existing: [:], replicas: [:]))

        #expect(plan.outcomes == [.created, .unchanged, .updated])
        #expect(plan.replicaWrites.keys.map(\.resourceID) == [vault])
        #expect(plan.replicaWrites.values.first?.number == 1)
    }

    @Test func anObjectThatVanishedAfterTheInsertAsksForTheBatchToRunAgain() {
        #expect(RegistrationPlan(
            registrations: [registration(size: 10)], keys: [(key, inPlace)], created: [:], existing: [:], replicas: [:]) == nil)
    }
}
