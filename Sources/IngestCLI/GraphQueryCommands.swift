import ArgumentParser
import Foundation
import IngestCore
import IngestGraph
import IngestRuntime

/// What every query takes: the graph, the node, where the store is, and `--json`.
struct GraphQueryOptions: ParsableArguments {
    @Argument(help: "The graph (as given to `ingest graph`).")
    var graphID: String

    @Argument(help: "A node or supervoxel id (decimal).")
    var nodeID: UInt64

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "The graph's store: an SQLite file or a postgres:// URL (default: the one its job recorded, else $INGEST_HOME/graphs/GRAPH_ID.sqlite).")
    var store: String?

    @OptionGroup var connection: ConnectionOptions

    /// Runs `body` with the store, its meta, checked to hold the graph and to be one that could
    /// hold the node, and closes the store afterwards.
    func withStore<Result>(_ body: (any GraphStore, GraphMeta) async throws -> Result) async throws -> Result {
        let opener = try connection.graphStoreOpener()
        do {
            let runtime = try connection.runtime()
            let store = try await runtime.openGraphStore(graph: graphID, explicit: store, broker: runtime.openBroker(readOnly: true), opener: opener)
            guard let meta = try await store.meta() else { throw GraphError.graphNotFound(graph: graphID, store: store.location) }
            guard meta.layout.isPlausible(nodeID) else {
                throw GraphError.invalidNode(
                    "\(nodeID) is not a node id of graph \(graphID) (layers 1-\(meta.geometry.layerCount), chunks inside the grid); ids come from `ingest graph leaves` or `ingest graph root`")
            }
            let result = try await body(store, meta)
            await opener.close()
            return result
        } catch {
            await opener.close()
            throw error
        }
    }

    /// The node itself, or for a supervoxel its layer-2 node.
    func node(_ store: any GraphStore, _ meta: GraphMeta) async throws -> GraphNode {
        let node = meta.layout.layer(of: nodeID) == 1
            ? try await store.layer2Node(ofSupervoxel: nodeID, layout: meta.layout)
            : try await store.node(nodeID)
        guard let node else { throw GraphError.nodeNotFound(nodeID) }
        return node
    }

    func print(_ key: String, _ value: UInt64?, layout: NodeIDLayout) throws {
        if json {
            var object: [String: Any] = ["node": nodeID, "layer": layout.layer(of: nodeID)]
            object[key] = value.map { $0 as Any } ?? NSNull()
            if let value { object["\(key)_layer"] = layout.layer(of: value) }
            Swift.print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            Swift.print(value.map(String.init) ?? "none")
        }
    }

    func print(_ key: String, _ values: [UInt64]) throws {
        if json {
            let object: [String: Any] = ["node": nodeID, key: values]
            Swift.print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for value in values { Swift.print(value) }
        }
    }
}

/// `ingest graph root GRAPH_ID NODE_ID`.
struct GraphRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "root", abstract: "The root above a node or supervoxel.")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let (root, layout) = try await query.withStore { store, meta in
            var current = try await query.node(store, meta)
            while let parent = current.parent {
                guard let next = try await store.node(parent) else { break }
                current = next
            }
            guard meta.layout.layer(of: current.id) == meta.geometry.rootLayer else {
                throw ValidationFailure(
                    "node \(query.nodeID) has no root yet: the chunks above \(meta.layout.chunk(of: current.id).key) are not built; `ingest status \(query.graphID)` shows the layers")
            }
            return (current.id, meta.layout)
        }
        try query.print("root", root, layout: layout)
    }
}

/// `ingest graph leaves GRAPH_ID NODE_ID`: the supervoxels under a node.
struct GraphLeavesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leaves", abstract: "The supervoxels under a node, ascending.")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let leaves = try await query.withStore { store, meta -> [UInt64] in
            if meta.layout.layer(of: query.nodeID) == 1 {
                _ = try await query.node(store, meta)
                return [query.nodeID]
            }
            guard let top = try await store.node(query.nodeID) else { throw GraphError.nodeNotFound(query.nodeID) }
            // Level by level, one read per level: a remote store answers in a few round trips.
            var leaves: [UInt64] = []
            var level = [top]
            while !level.isEmpty {
                var below: [UInt64] = []
                for node in level {
                    if meta.layout.layer(of: node.id) == 2 { leaves += node.children } else { below += node.children }
                }
                level = try await store.nodes(below)
            }
            return leaves.sorted()
        }
        try query.print("leaves", leaves)
    }
}

/// `ingest graph children GRAPH_ID NODE_ID`.
struct GraphChildrenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "children", abstract: "A node's children (supervoxels for a layer-2 node).")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let children = try await query.withStore { store, meta -> [UInt64] in
            guard meta.layout.layer(of: query.nodeID) >= 2 else { return [] }
            guard let node = try await store.node(query.nodeID) else { throw GraphError.nodeNotFound(query.nodeID) }
            return node.children
        }
        try query.print("children", children)
    }
}

/// `ingest graph parent GRAPH_ID NODE_ID`.
struct GraphParentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parent", abstract: "A node's parent (a supervoxel's layer-2 node); none for a root.")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let (parent, layout) = try await query.withStore { store, meta in
            let node = try await query.node(store, meta)
            return (meta.layout.layer(of: query.nodeID) == 1 ? node.id : node.parent, meta.layout)
        }
        try query.print("parent", parent, layout: layout)
    }
}
