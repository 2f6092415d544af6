import Foundation
import IngestCore
@testable import IngestSync
import Testing

/// File-task payloads carry a policy's decisions in binary version 3, and stay in version 2 (what
/// the previous version of ingest reads) when there are none.
@Suite struct PolicyPayloadCodingTests {
    private func payload() -> DirectoryTaskPayload {
        DirectoryTaskPayload(
            spec: SyncSpec(source: "/data", target: "/tempZone/home/rods/data"), directory: "/data/run", collection: "/tempZone/home/rods/data/run",
            entries: [FileEntry(name: "a.txt", size: 3, mtimeNanos: 7), FileEntry(name: "b_c.txt", size: 4, mtimeNanos: 8, rawName: Data("b:c.txt".utf8))])
    }

    @Test func aPayloadWithoutDecisionsIsWrittenInVersion2() throws {
        let bytes = payload().binaryEncoded
        #expect(Array(bytes.prefix(2)) == [DirectoryTaskPayload.binaryMarker, 2])
        let decoded = try PayloadCoding.decodeDirectory(bytes)
        #expect(decoded.entries == payload().entries)
        #expect(decoded.decisions == nil && decoded.rerunsHooks == nil)
    }

    @Test func decisionsAndTheHookFlagRoundTripInVersion3() throws {
        var withDecisions = payload()
        withDecisions.decisions = [
            .jobDefault,
            EntryDecision(physicalPath: "/mnt/b:c.txt", name: "b_c.txt", owner: "alice", metadata: [MetadataTriple(attribute: "k", value: "v", units: "u")]),
        ]
        withDecisions.rerunsHooks = true
        let bytes = withDecisions.binaryEncoded
        #expect(bytes[bytes.startIndex + 1] == 3)
        let decoded = try PayloadCoding.decodeDirectory(bytes)
        #expect(decoded.decisions == withDecisions.decisions)
        #expect(decoded.rerunsHooks == true)
        #expect(decoded.entries?.last?.sourceName == "b:c.txt", "the name on disk of a renamed entry")
    }
}
