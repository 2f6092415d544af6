import IngestCore
import Testing

/// The one change rule both catalogs apply when a file is registered again.
@Suite struct RegistrationChangeTests {
    static func registration(size: Int64 = 10, mtime: Int64 = 5, checksum: String? = nil, path: String = "/src/a", alwaysUpdate: Bool = false) -> ObjectRegistration {
        ObjectRegistration(
            collection: "/z/c", name: "a", size: size, mtimeNanos: mtime, resource: "r", physicalPath: path, checksum: checksum,
            alwaysUpdate: alwaysUpdate)
    }

    @Test(arguments: [
        // stored size, mtime, checksum; registration; changed?
        (10, 5, nil, registration(), false),
        (11, 5, nil, registration(), true),
        (10, 6, nil, registration(), true),
        (10, 5, "sha2:x", registration(), false),
        (10, 5, "sha2:x", registration(checksum: "sha2:x"), false),
        (10, 5, "sha2:x", registration(checksum: "sha2:y"), true),
        (10, 5, nil, registration(checksum: "sha2:y"), true),
    ] as [(Int64, Int64, String?, ObjectRegistration, Bool)])
    func objectChangesWithItsContent(_ size: Int64, _ mtime: Int64, _ checksum: String?, _ registration: ObjectRegistration, _ changed: Bool) {
        #expect(RegistrationChange.objectChanged(size: size, mtimeNanos: mtime, checksum: checksum, registration: registration) == changed)
    }

    @Test func replicaIsRewrittenWhenMissingMovedResizedRetimedOrStale() {
        let registration = Self.registration()
        #expect(RegistrationChange.replicaChanged(nil, registration: registration))
        #expect(!RegistrationChange.replicaChanged(("/src/a", 10, 5, .good), registration: registration))
        #expect(RegistrationChange.replicaChanged(("/src/b", 10, 5, .good), registration: registration))
        #expect(RegistrationChange.replicaChanged(("/src/a", 9, 5, .good), registration: registration))
        #expect(RegistrationChange.replicaChanged(("/src/a", 10, 4, .good), registration: registration))
        #expect(RegistrationChange.replicaChanged(("/src/a", 10, 5, .stale), registration: registration))
    }

    @Test func outcomeIsUpdatedWhenAnythingChangedOrARewriteWasAsked() {
        #expect(RegistrationChange.outcome(objectChanged: false, replicaChanged: false, registration: Self.registration()) == .unchanged)
        #expect(RegistrationChange.outcome(objectChanged: true, replicaChanged: false, registration: Self.registration()) == .updated)
        #expect(RegistrationChange.outcome(objectChanged: false, replicaChanged: true, registration: Self.registration()) == .updated)
        #expect(RegistrationChange.outcome(objectChanged: false, replicaChanged: false, registration: Self.registration(alwaysUpdate: true)) == .updated)
    }
}
