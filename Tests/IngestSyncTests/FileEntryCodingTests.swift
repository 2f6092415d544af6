import Foundation
import IngestSync
import Testing

/// File entries travel in task payloads in a compact form; every field must come back.
@Suite struct FileEntryCodingTests {
    @Test(arguments: [
        FileEntry(name: "plain.txt", size: 12, mtimeNanos: 1_700_000_000_123_456_789),
        FileEntry(name: "r%E9sum%25.txt", size: 0, mtimeNanos: -5, rawName: Data([0x72, 0xE9, 0x25, 0x2F, 0x00]), linkTarget: nil),
        FileEntry(name: "link", size: 30, mtimeNanos: 1, rawName: nil, linkTarget: "../some/where/else with spaces"),
        FileEntry(name: "both%FF", size: 7, mtimeNanos: 2, rawName: Data([0x62, 0xFF]), linkTarget: "/abs/r/l/target"),
        FileEntry(name: "new\nline \"quoted\" 日本", size: 1, mtimeNanos: 3),
    ])
    func entryRoundTripsThroughJSON(_ entry: FileEntry) throws {
        let decoded = try JSONDecoder().decode([FileEntry].self, from: JSONEncoder().encode([entry]))
        #expect(decoded == [entry])
    }

    @Test func malformedEntryIsRejected() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([FileEntry].self, from: Data(#"["twelve/1/name"]"#.utf8))
        }
    }
}
