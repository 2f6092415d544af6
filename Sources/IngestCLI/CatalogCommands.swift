import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestRuntime
import IngestSync

/// `ingest ls [PATH]`: what a collection holds, or one data object (as `ls FILE` does).
struct LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List a collection's sub-collections and data objects, or show one data object.")

    @Argument(help: "A collection or data object, an absolute catalog path (default: the top collections).")
    var collection: String = "/"

    @Flag(name:.shortAndLong, help: "Add size, modification time and replica count.")
    var long = false

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let path = collection == "/" ? "/" : try LogicalPath.normalize(collection).get()
        let catalog = try await connection.openCatalog(readOnly: true)
        let entries: [CatalogEntry]
        if path != "/", try await catalog.kind(of: path) == .dataObject, let object = try await catalog.dataObject(at: path) {
            entries = [CatalogEntry(
                kind: .dataObject, path: object.path, size: object.size, mtimeNanos: object.mtimeNanos, replicaCount: object.replicas.count)]
        } else {
            entries = try await catalog.list(collection: path)
        }
        if json {
            print(try Output.json(entries.map(CatalogEntrySummary.init)))
            return
        }
        for entry in entries {
            let name = LogicalPath.name(of: entry.path)
            switch entry.kind {
            case .collection:
                print(long ? "C- \(entry.path)" : "C- \(entry.path)")
            case .dataObject:
                if long {
                    print("   \(String(entry.size ?? 0).leftPadded(to: 12))  \(Format.date(Double(entry.mtimeNanos ?? 0) / 1e9))  \(entry.replicaCount ?? 0) replica(s)  \(name)")
                } else {
                    print("   \(name)")
                }
            }
        }
    }
}

/// `ingest stat PATH`: every catalog field of a data object or collection.
struct StatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stat", abstract: "Show every catalog field of a data object or collection: replicas, resources, physical paths, metadata.")

    @Argument(help: "An absolute catalog path.")
    var path: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let path = try LogicalPath.normalize(self.path).get()
        let catalog = try await connection.openCatalog(readOnly: true)
        if let object = try await catalog.dataObject(at: path) {
            if json {
                print(try Output.json(DataObjectSummary(object)))
                return
            }
            print("data object: \(object.path)")
            print("size:        \(object.size)")
            print("mtime:       \(Self.time(nanos: object.mtimeNanos))")
            print("checksum:    \(object.checksum ?? "-")")
            print("created:     \(Format.date(object.createdAt))")
            print("modified:    \(Format.date(object.modifiedAt))")
            for replica in object.replicas {
                print("replica \(replica.number): resource \(replica.resource), \(replica.status.rawValue), size \(replica.size), mtime \(Self.time(nanos: replica.mtimeNanos)), checksum \(replica.checksum ?? "-")")
                print("  physical path: \(replica.physicalPath)")
                let bytes = OddNames.physicalPathBytes(of: replica, metadata: object.metadata)
                if bytes != Array(replica.physicalPath.utf8) {
                    // The stored path is the escaped form of a path that is not UTF-8; say which file it is.
                    print("  the file itself: \(RawArguments.escaped(bytes)) (each \\xNN is a byte that is not UTF-8)")
                }
            }
            printMetadata(object.metadata)
        } else if let collection = try await catalog.collection(at: path) {
            if json {
                print(try Output.json(CollectionSummary(collection)))
                return
            }
            print("collection: \(collection.path)")
            print("created:    \(Format.date(collection.createdAt))")
            print("modified:   \(Format.date(collection.modifiedAt))")
            printMetadata(collection.metadata)
        } else {
            throw IngestError.notFoundInCatalog(path)
        }
    }

    private func printMetadata(_ metadata: [MetadataTriple]) {
        for triple in metadata {
            print("metadata: \(triple.attribute) = \(triple.value)" + (triple.units.isEmpty ? "" : " [\(triple.units)]"))
        }
    }

    static func time(nanos: Int64) -> String {
        "\(Format.date(Double(nanos / 1_000_000_000))) (\(nanos / 1_000_000_000).\(String(format: "%09lld", nanos % 1_000_000_000)))"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
