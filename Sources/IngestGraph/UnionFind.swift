/// Disjoint sets over `0..<count`, with path halving and union by size.
public struct UnionFind: Sendable {
    private var parent: [Int32]
    private var size: [Int32]

    public init(count: Int) {
        parent = (0..<Int32(count)).map { $0 }
        size = [Int32](repeating: 1, count: count)
    }

    public var count: Int { parent.count }

    /// Adds one more singleton set and returns its index.
    public mutating func add() -> Int {
        parent.append(Int32(parent.count))
        size.append(1)
        return parent.count - 1
    }

    public mutating func find(_ element: Int) -> Int {
        var node = Int32(element)
        while parent[Int(node)] != node {
            let grandparent = parent[Int(parent[Int(node)])]
            parent[Int(node)] = grandparent
            node = grandparent
        }
        return Int(node)
    }

    public mutating func union(_ a: Int, _ b: Int) {
        var rootA = find(a), rootB = find(b)
        guard rootA != rootB else { return }
        if size[rootA] < size[rootB] { swap(&rootA, &rootB) }
        parent[rootB] = Int32(rootA)
        size[rootA] += size[rootB]
    }

    /// The sets as lists of members, each list in ascending order, lists ordered by their smallest member.
    public mutating func groups() -> [[Int]] {
        var slot = [Int32](repeating: -1, count: count)
        var groups: [[Int]] = []
        for element in 0..<count {
            let root = find(element)
            if slot[root] < 0 {
                slot[root] = Int32(groups.count)
                groups.append([])
            }
            groups[Int(slot[root])].append(element)
        }
        return groups
    }
}

/// An open-addressing map from 64-bit ids to small integers: the hot lookup of a chunk build,
/// several times faster than `Dictionary` for this one shape.
public struct IDIndexMap: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    public private(set) var count = 0

    public init(capacity: Int = 16) {
        var slots = 16
        while slots < capacity * 2 { slots <<= 1 }
        keys = [UInt64](repeating: 0, count: slots)
        values = [Int32](repeating: -1, count: slots)
        mask = slots - 1
    }

    @inline(__always) private static func hash(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The value stored for `key`, or nil. Key 0 is never stored (no id is 0).
    public func get(_ key: UInt64) -> Int? {
        var slot = Self.hash(key) & mask
        while true {
            let value = values[slot]
            if value < 0 { return nil }
            if keys[slot] == key { return Int(value) }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `value` for `key` unless the key is present.
    /// - Returns: the value already stored, or nil when this call stored it.
    @discardableResult
    public mutating func insert(_ key: UInt64, _ value: Int) -> Int? {
        if (count + 1) * 2 > keys.count { grow() }
        var slot = Self.hash(key) & mask
        while true {
            let existing = values[slot]
            if existing < 0 {
                keys[slot] = key
                values[slot] = Int32(value)
                count += 1
                return nil
            }
            if keys[slot] == key { return Int(existing) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for index in oldKeys.indices where oldValues[index] >= 0 {
            insert(oldKeys[index], Int(oldValues[index]))
        }
    }
}
