import ArgumentParser
import Foundation
import IngestCore
import IngestGraph

/// What every query takes: the graph, the node, where the store is, and `--json`.
struct GraphQueryOptions: ParsableArguments {
    @Argument(help: "The graph (as given to `ingest graph`).")
    var graphID: String

    @Argument(help: "A node or supervoxel id (decimal).")
    var nodeID: UInt64

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "The graph's SQLite store (default: the one its job recorded, else $INGEST_HOME/graphs/GRAPH_ID.sqlite).")
    var store: String?

    @OptionGroup var connection: ConnectionOptions

    /// The store, its meta, and the node checked to be one this graph could hold.
    func open() async throws -> (GraphStore, GraphMeta) {
        let store = try await GraphJobLookup.store(graph: graphID, explicit: store, broker: connection.openBroker())
        guard let meta = try store.meta() else { throw GraphError.graphNotFound(graph: graphID, store: store.path) }
        guard meta.layout.isPlausible(nodeID) else {
            throw GraphError.invalidNode(
                "\(nodeID) is not a node id of graph \(graphID) (layers 1-\(meta.geometry.layerCount), chunks inside the grid); ids come from `ingest graph leaves` or `ingest graph root`")
        }
        return (store, meta)
    }

    /// The node itself, or for a supervoxel its layer-2 node.
    func node(_ store: GraphStore, _ meta: GraphMeta) throws -> GraphNode {
        let node = meta.layout.layer(of: nodeID) == 1
            ? try store.layer2Node(ofSupervoxel: nodeID, layout: meta.layout)
            : try store.node(nodeID)
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
        let (store, meta) = try await query.open()
        var current = try query.node(store, meta)
        while let parent = current.parent {
            guard let next = try store.node(parent) else { break }
            current = next
        }
        guard meta.layout.layer(of: current.id) == meta.geometry.rootLayer else {
            throw ValidationFailure(
                "node \(query.nodeID) has no root yet: the chunks above \(meta.layout.chunk(of: current.id).key) are not built; `ingest status \(query.graphID)` shows the layers")
        }
        try query.print("root", current.id, layout: meta.layout)
    }
}

/// `ingest graph leaves GRAPH_ID NODE_ID`: the supervoxels under a node.
struct GraphLeavesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leaves", abstract: "The supervoxels under a node, ascending.")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let (store, meta) = try await query.open()
        if meta.layout.layer(of: query.nodeID) == 1 {
            _ = try query.node(store, meta)
            return try query.print("leaves", [query.nodeID])
        }
        guard let top = try store.node(query.nodeID) else { throw GraphError.nodeNotFound(query.nodeID) }
        var leaves: [UInt64] = []
        var pending = [top]
        while let node = pending.popLast() {
            if meta.layout.layer(of: node.id) == 2 {
                leaves += node.children
            } else {
                for child in node.children { if let next = try store.node(child) { pending.append(next) } }
            }
        }
        try query.print("leaves", leaves.sorted())
    }
}

/// `ingest graph children GRAPH_ID NODE_ID`.
struct GraphChildrenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "children", abstract: "A node's children (supervoxels for a layer-2 node).")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let (store, meta) = try await query.open()
        guard meta.layout.layer(of: query.nodeID) >= 2 else { return try query.print("children", []) }
        guard let node = try store.node(query.nodeID) else { throw GraphError.nodeNotFound(query.nodeID) }
        try query.print("children", node.children)
    }
}

/// `ingest graph parent GRAPH_ID NODE_ID`.
struct GraphParentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parent", abstract: "A node's parent (a supervoxel's layer-2 node); none for a root.")
    @OptionGroup var query: GraphQueryOptions

    func run() async throws {
        let (store, meta) = try await query.open()
        let node = try query.node(store, meta)
        try query.print("parent", meta.layout.layer(of: query.nodeID) == 1 ? node.id : node.parent, layout: meta.layout)
    }
}
