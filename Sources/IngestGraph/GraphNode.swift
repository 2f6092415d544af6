import Foundation

/// An edge leaving a node's subtree, kept until the layer where both ends meet in one chunk.
public struct CrossEdge: Hashable, Comparable, Sendable, Codable {
    /// The layer whose chunk holds both supervoxels' layer-2 chunks: where the edge becomes internal.
    public var layer: Int
    /// The supervoxel inside this node's subtree.
    public var local: UInt64
    /// The supervoxel outside it.
    public var remote: UInt64

    public init(layer: Int, local: UInt64, remote: UInt64) {
        self.layer = layer
        self.local = local
        self.remote = remote
    }

    public static func < (lhs: CrossEdge, rhs: CrossEdge) -> Bool {
        (lhs.layer, lhs.local, lhs.remote) < (rhs.layer, rhs.local, rhs.remote)
    }

    /// The same key for both halves of one edge, so a parent can pair them.
    var pairKey: EdgePairKey { EdgePairKey(low: min(local, remote), high: max(local, remote)) }
}

struct EdgePairKey: Hashable {
    var low: UInt64
    var high: UInt64
}

/// One row of the graph: a node, its parent once the parent chunk is built, its children
/// (supervoxels for layer 2) and its cross edges.
public struct GraphNode: Equatable, Sendable {
    public var id: UInt64
    public var parent: UInt64?
    public var children: [UInt64]
    public var crossEdges: [CrossEdge]

    public init(id: UInt64, parent: UInt64? = nil, children: [UInt64], crossEdges: [CrossEdge]) {
        self.id = id
        self.parent = parent
        self.children = children
        self.crossEdges = crossEdges
    }
}

/// Compact blobs for the stores: children as little-endian UInt64s, cross edges as 17-byte
/// records (UInt8 layer, UInt64 local, UInt64 remote). Every store writes the same bytes, so a node
/// reads the same from SQLite and PostgreSQL, and a blob is one column value however many children.
public enum NodeBlobs {
    public static func encode(ids: [UInt64]) -> Data {
        #if _endian(little)
        return ids.withUnsafeBytes { Data($0) }
        #else
        return ids.map { $0.littleEndian }.withUnsafeBytes { Data($0) }
        #endif
    }

    public static func decodeIDs(_ data: Data) -> [UInt64] {
        data.withUnsafeBytes { bytes in
            [UInt64](unsafeUninitializedCapacity: bytes.count / 8) { buffer, count in
                for index in 0..<bytes.count / 8 { buffer[index] = bytes.loadLittleEndianUInt64(at: index * 8) }
                count = bytes.count / 8
            }
        }
    }

    public static func encode(crossEdges: [CrossEdge]) -> Data {
        var bytes = [UInt8](repeating: 0, count: crossEdges.count * 17)
        bytes.withUnsafeMutableBytes { buffer in
            for (index, edge) in crossEdges.enumerated() {
                let offset = index * 17
                buffer[offset] = UInt8(edge.layer)
                buffer.storeBytes(of: edge.local.littleEndian, toByteOffset: offset + 1, as: UInt64.self)
                buffer.storeBytes(of: edge.remote.littleEndian, toByteOffset: offset + 9, as: UInt64.self)
            }
        }
        return Data(bytes)
    }

    public static func decodeCrossEdges(_ data: Data) -> [CrossEdge] {
        data.withUnsafeBytes { bytes in
            (0..<bytes.count / 17).map { index in
                let offset = index * 17
                return CrossEdge(
                    layer: Int(bytes[offset]), local: bytes.loadLittleEndianUInt64(at: offset + 1),
                    remote: bytes.loadLittleEndianUInt64(at: offset + 9))
            }
        }
    }
}
