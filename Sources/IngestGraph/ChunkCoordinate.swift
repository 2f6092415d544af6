/// One chunk of one layer: layer 2 chunks hold supervoxels' first nodes, layer 3 and up merge
/// `FANOUT³` children each, the top layer is a single chunk holding the roots.
public struct ChunkCoordinate: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var layer: Int
    public var x: Int
    public var y: Int
    public var z: Int

    public init(layer: Int, x: Int, y: Int, z: Int) {
        self.layer = layer
        self.x = x
        self.y = y
        self.z = z
    }

    /// The task key and the name users type: `L_x_y_z`, such as `2_3_0_1`.
    public var key: String { "\(layer)_\(x)_\(y)_\(z)" }

    public var description: String { key }

    /// The queue that builds chunks of this layer (`l2`, `l3`, ...).
    public var queue: String { GraphQueues.name(layer: layer) }

    /// Parses `L_x_y_z`; nil for anything else.
    public init?(key: String) {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 4, let layer = parts[0], let x = parts[1], let y = parts[2], let z = parts[3],
            layer >= 1, x >= 0, y >= 0, z >= 0
        else { return nil }
        self.init(layer: layer, x: x, y: y, z: z)
    }

    public static func < (lhs: ChunkCoordinate, rhs: ChunkCoordinate) -> Bool {
        (lhs.layer, lhs.x, lhs.y, lhs.z) < (rhs.layer, rhs.x, rhs.y, rhs.z)
    }
}

/// Queue names of the graph job: one per layer, so operators can watch and gate layers apart.
public enum GraphQueues {
    public static func name(layer: Int) -> String { "l\(layer)" }

    /// The layer a queue name stands for (`l3` is 3); nil for other queues.
    public static func layer(of queue: String) -> Int? {
        guard queue.hasPrefix("l"), let layer = Int(queue.dropFirst()), layer >= 2 else { return nil }
        return layer
    }
}
