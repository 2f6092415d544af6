import Foundation
import IngestGraph

/// The partition of supervoxels that the built graph gives: supervoxel -> root node.
public func roots(in store: any GraphStore) async throws -> [UInt64: UInt64] {
    let nodes = try await store.allNodes()
    var parent: [UInt64: UInt64] = [:]
    for node in nodes { parent[node.id] = node.parent }
    let ids = Set(nodes.map(\.id))
    let layout = try await store.meta()!.layout
    var result: [UInt64: UInt64] = [:]
    for node in nodes where layout.layer(of: node.id) == 2 {
        var top = node.id
        while let next = parent[top] {
            guard ids.contains(next) else {
                throw DanglingParent(description: "node \(top) names parent \(next), which is not in the store")
            }
            top = next
        }
        for supervoxel in node.children { result[supervoxel] = top }
    }
    return result
}

public struct DanglingParent: Error, CustomStringConvertible {
    public var description: String
}

/// Ground truth written apart from the engine: a union-find over every active edge of the
/// dataset's files (in- and between-chunk edges within one component, every cross-chunk edge).
public func groundTruth(dataset: String) throws -> [UInt64: UInt64] {
    let data = try GraphDataset.load(path: dataset)
    var component: [UInt64: UInt64] = [:]
    let fileManager = FileManager.default
    for name in try fileManager.contentsOfDirectory(atPath: data.directories.components) where name.hasSuffix(".components") {
        try ComponentsFile.read(path: data.directories.components + "/" + name) { component[$0] = $1 }
    }
    var parent: [UInt64: UInt64] = [:]
    func find(_ x: UInt64) -> UInt64 {
        var x = x
        while let p = parent[x], p != x { x = p }
        return x
    }
    for supervoxel in component.keys { parent[supervoxel] = supervoxel }
    for name in try fileManager.contentsOfDirectory(atPath: data.directories.edges) where name.hasSuffix(".edges") {
        try EdgeFile.read(path: data.directories.edges + "/" + name) { kind, edge in
            let active = kind == .crossChunk || component[edge.first] == component[edge.second]
            if active {
                let a = find(edge.first), b = find(edge.second)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
    }
    var result: [UInt64: UInt64] = [:]
    for supervoxel in component.keys { result[supervoxel] = find(supervoxel) }
    return result
}

/// Whether two labelings split the same keys into the same groups.
public func samePartition(_ a: [UInt64: UInt64], _ b: [UInt64: UInt64]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [UInt64: UInt64] = [:], backward: [UInt64: UInt64] = [:]
    for (key, label) in a {
        guard let other = b[key] else { return false }
        if let seen = forward[label], seen != other { return false }
        if let seen = backward[other], seen != label { return false }
        forward[label] = other
        backward[other] = label
    }
    return true
}
