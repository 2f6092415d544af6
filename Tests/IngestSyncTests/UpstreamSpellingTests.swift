import IngestSync
import Testing

/// Users of iRODS automated ingest write operations and delete modes the way its event handlers name them.
@Suite struct UpstreamSpellingTests {
    @Test(arguments: ["PUT_SYNC", "put_sync", "Operation.PUT_SYNC", "operation.put_sync"])
    func operationAcceptsUpstreamSpellings(_ value: String) {
        #expect(SyncOperation(userValue: value) == .putSync)
    }

    @Test(arguments: ["NO_TRASH", "no_trash", "DeleteMode.NO_TRASH"])
    func deleteModeAcceptsUpstreamSpellings(_ value: String) {
        #expect(DeleteMode(userValue: value) == .noTrash)
    }

    @Test func unknownValuesAreRefused() {
        #expect(SyncOperation(userValue: "COPY") == nil)
        #expect(SyncOperation(userValue: "DeleteMode.PUT") == nil)
        #expect(DeleteMode(userValue: "Operation.TRASH") == nil)
    }
}
