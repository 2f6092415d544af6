import IngestSync
import Testing

/// Users of the seed write operations and delete modes the way its event handlers name them.
@Suite struct SeedSpellingTests {
    @Test(arguments: ["PUT_SYNC", "put_sync", "Operation.PUT_SYNC", "operation.put_sync"])
    func operationAcceptsTheSeedsSpellings(_ value: String) {
        #expect(SyncOperation(userValue: value) == .putSync)
    }

    @Test(arguments: ["NO_TRASH", "no_trash", "DeleteMode.NO_TRASH"])
    func deleteModeAcceptsTheSeedsSpellings(_ value: String) {
        #expect(DeleteMode(userValue: value) == .noTrash)
    }

    @Test func unknownValuesAreRefused() {
        #expect(SyncOperation(userValue: "COPY") == nil)
        #expect(SyncOperation(userValue: "DeleteMode.PUT") == nil)
        #expect(DeleteMode(userValue: "Operation.TRASH") == nil)
    }
}
