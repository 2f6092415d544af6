import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Logging
import Synchronization

/// A catalog, a log that keeps metadata, and event handler policies over them, for the
/// `PythonPolicy` suites. Policies run the real python3 on PATH.
final class PythonPolicyFixture: Sendable {
    let engine: EmbeddedEngine
    let log = RecordedLog()
    let sharedValues: any PolicySharedValues

    static let target = "/tempZone/home/rods/t"
    static let job = PolicyJob(
        name: "job1", root: "/src", target: target, operation: .registerSync, resource: nil, deleteMode: .doNotDelete)

    init(sharedValues: any PolicySharedValues = InMemoryPolicySharedValues()) throws {
        engine = try EmbeddedEngine()
        self.sharedValues = sharedValues
    }

    var catalog: any Catalog { engine.catalog }

    var services: PolicyServices {
        PolicyServices(catalog: engine.catalog, broker: nil, logger: Logger(label: "ingest.test.policy") { _ in self.log })
    }

    /// A policy running `text` as the handler file `filename`.
    func policy(_ text: String, filename: String = "handler.py") async throws -> PythonPolicy {
        try await PythonPolicy(
            document: PolicyDocument(language: .python, filename: filename, text: text), services: services,
            python: PythonPolicy.defaultPython, sharedValues: sharedValues)
    }

    /// Registers a data object at `target/relative`, so hooks can find it.
    func registerObject(_ relative: String, metadata: [MetadataTriple] = []) async throws {
        let path = Self.target + "/" + relative
        let collection = (path as NSString).deletingLastPathComponent
        _ = try await engine.catalog.register([
            ObjectRegistration(
                collection: collection, name: (path as NSString).lastPathComponent, size: 10, mtimeNanos: 1_700_000_000_000_000_000,
                resource: StorageResource.inPlace.name, physicalPath: "/src/" + relative, metadata: metadata)
        ])
    }

    func metadata(of relative: String) async throws -> [MetadataTriple]? {
        try await engine.catalog.dataObject(at: Self.target + "/" + relative)?.metadata
    }

    /// A listed file under the job's root.
    static func file(_ relative: String, size: Int64 = 10) -> PolicyEntry {
        PolicyEntry(
            path: "/src/" + relative, target: target + "/" + relative, size: size, mtimeNanos: 1_700_000_000_500_000_000,
            ctimeNanos: 1_700_000_000_000_000_000)
    }

    static func directory(_ relative: String) -> PolicyEntry {
        PolicyEntry(path: "/src/" + relative, target: target + "/" + relative, entryType: .directory)
    }
}

/// A log handler that keeps each record with its metadata.
final class RecordedLog: LogHandler, Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }

    func messages(containing text: String) -> [Record] {
        all.filter { $0.message.contains(text) }
    }

    func log(event: LogEvent) {
        var metadata: [String: String] = [:]
        for (key, value) in event.metadata ?? [:] {
            metadata[key] = "\(value)"
        }
        let record = Record(level: event.level, message: "\(event.message)", metadata: metadata)
        records.withLock { $0.append(record) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
}

/// Waits, without holding a thread, until `condition` holds or about 30 s have passed.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<3000 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
