import Foundation
import IngestCore
import Synchronization

/// Values and counters that every worker of a job shares, as event handlers use Redis through
/// `get_redis(config)` (a job's start time in pre_job, a count of files seen). Operations are atomic.
///
/// `InMemoryPolicySharedValues` serves one process; a broker-backed implementation shares them
/// between worker processes.
protocol PolicySharedValues: Sendable {
    func get(_ key: String) async throws -> String?
    /// Sets the value, expiring after `seconds` if given.
    func set(_ key: String, to value: String, expiresAfter seconds: Double?) async throws
    /// Adds `amount` to the integer stored at `key` (0 if absent).
    /// - Returns: the new value.
    func increment(_ key: String, by amount: Int64) async throws -> Int64
    /// - Returns: how many keys existed.
    func delete(_ keys: [String]) async throws -> Int
    /// - Returns: whether the key existed.
    func expire(_ key: String, after seconds: Double) async throws -> Bool
}

/// A value at `key` that is not an integer was incremented (Redis says "value is not an integer").
struct NotAnInteger: Error, CustomStringConvertible {
    var key: String
    var description: String { "the value of '\(key)' is not an integer" }
}

/// Shared values in this process's memory.
final class InMemoryPolicySharedValues: PolicySharedValues {
    private struct Stored {
        var value: String
        var expires: ContinuousClock.Instant?
    }

    private let values = Mutex<[String: Stored]>([:])

    /// The values every policy of this process shares unless it is given others.
    static let process = InMemoryPolicySharedValues()

    init() {}

    func get(_ key: String) async throws -> String? {
        values.withLock { Self.live(&$0, key)?.value }
    }

    func set(_ key: String, to value: String, expiresAfter seconds: Double?) async throws {
        if let seconds { try Self.checkSeconds(seconds) }
        values.withLock { $0[key] = Stored(value: value, expires: seconds.map { ContinuousClock.now + .seconds($0) }) }
    }

    func increment(_ key: String, by amount: Int64) async throws -> Int64 {
        try values.withLock { values in
            let stored = Self.live(&values, key)
            guard let current = Int64(stored?.value ?? "0") else { throw NotAnInteger(key: key) }
            let (sum, overflow) = current.addingReportingOverflow(amount)
            guard !overflow else { throw NotAnInteger(key: key) }
            values[key] = Stored(value: String(sum), expires: stored?.expires)
            return sum
        }
    }

    func delete(_ keys: [String]) async throws -> Int {
        values.withLock { values in
            keys.reduce(0) { count, key in
                let existed = Self.live(&values, key) != nil
                values[key] = nil
                return count + (existed ? 1 : 0)
            }
        }
    }

    func expire(_ key: String, after seconds: Double) async throws -> Bool {
        guard seconds > 0 else { return try await delete([key]) > 0 }
        try Self.checkSeconds(seconds)
        return values.withLock { values in
            guard Self.live(&values, key) != nil else { return false }
            values[key]?.expires = ContinuousClock.now + .seconds(seconds)
            return true
        }
    }

    /// An expiry a clock can hold (Redis refuses the others too).
    private static func checkSeconds(_ seconds: Double) throws {
        guard seconds.isFinite, seconds > 0, seconds <= SecondsSetting.maximum else {
            throw IngestError.invalidOption(name: "expiry", reason: "\(seconds) seconds is not a time a value can expire after; give a positive number")
        }
    }

    /// The stored value unless it has expired (an expired one is dropped).
    private static func live(_ values: inout [String: Stored], _ key: String) -> Stored? {
        guard let stored = values[key] else { return nil }
        if let expires = stored.expires, expires <= .now {
            values[key] = nil
            return nil
        }
        return stored
    }
}

/// A job's shared values in its broker: what `get_redis(config)` reads and writes in handlers run by
/// any worker of the job, on any machine.
struct BrokerPolicySharedValues: PolicySharedValues {
    let broker: any Broker
    let job: String

    func get(_ key: String) async throws -> String? {
        try await broker.sharedValue(job: job, key: key).map { String(decoding: $0, as: UTF8.self) }
    }

    func set(_ key: String, to value: String, expiresAfter seconds: Double?) async throws {
        try await broker.setSharedValue(job: job, key: key, value: Data(value.utf8), expiresIn: seconds)
    }

    func increment(_ key: String, by amount: Int64) async throws -> Int64 {
        try await broker.incrementSharedValue(job: job, key: key, by: amount)
    }

    func delete(_ keys: [String]) async throws -> Int {
        try await broker.deleteSharedValues(job: job, keys: keys)
    }

    func expire(_ key: String, after seconds: Double) async throws -> Bool {
        try await broker.expireSharedValue(job: job, key: key, after: seconds)
    }
}
