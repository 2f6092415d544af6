import Foundation
import IngestCore

/// Shared values (see `Broker`) as plain Redis strings, `shared:LEN:JOB:KEY` under the key base
/// (the job name's length keeps `a:b` + `c` apart from `a` + `b:c`), so Redis itself does what it
/// is good at: `INCRBY` is atomic, and `SET ... PX` and `PEXPIRE` expire values on the server.
/// Each call is one short script only so that it can check the job first, atomically.
///
/// The set `shared-keys:JOB` lists every key the job has stored, for `forget`; names of values that
/// expired or were deleted leave it only then, one short string each.
extension RedisBroker {
    public func sharedValue(job: String, key: String) async throws -> Data? {
        let reply = try await runShared(RedisBrokerScripts.sharedGet, job: job, key: key, [key])
        return reply.bytes.map { Data($0.readableBytesView) }
    }

    public func setSharedValue(job: String, key: String, value: Data, expiresIn: Double?) async throws {
        try SharedValueRules.checkExpiry(expiresIn)
        let milliseconds = expiresIn.map { String(Self.milliseconds($0)) } ?? ""
        try await runShared(RedisBrokerScripts.sharedSet, job: job, key: key, [key, Array(value), milliseconds])
    }

    public func incrementSharedValue(job: String, key: String, by amount: Int64) async throws -> Int64 {
        let reply = try await runShared(RedisBrokerScripts.sharedIncrement, job: job, key: key, [key, String(amount)])
        guard let text = reply.string, let total = Int64(text) else {
            throw RedisError.unexpectedReply(command: "incrementSharedValue", reply: "\(reply)")
        }
        return total
    }

    public func deleteSharedValues(job: String, keys: [String]) async throws -> Int {
        try await runShared(RedisBrokerScripts.sharedDelete, job: job, key: keys.first ?? "", keys).int ?? 0
    }

    public func expireSharedValue(job: String, key: String, after seconds: Double) async throws -> Bool {
        try SharedValueRules.checkDelay(seconds)
        // PEXPIRE with 0 deletes the value at once, as the protocol asks for 0 s or less.
        let milliseconds = seconds > 0 ? Self.milliseconds(seconds) : 0
        return try await runShared(RedisBrokerScripts.sharedExpire, job: job, key: key, [key, milliseconds]).int == 1
    }

    /// Runs a shared-value script with the key base and job first, naming the job or key in errors.
    @discardableResult
    private func runShared(_ script: RedisScript, job: String, key: String, _ arguments: [any RESPArgument]) async throws -> RESPValue {
        do {
            return try await client.evalScript(script, arguments: [base, job] + arguments)
        } catch let error as RedisError where error.serverErrorCode == "NOJOB" {
            throw IngestError.jobNotFound(job)
        } catch let error as RedisError where error.serverErrorCode == "NOTINT" {
            throw IngestError.sharedValueNotInteger(job: job, key: key)
        }
    }

    /// Whole milliseconds for `PX` and `PEXPIRE`, rounded up so that a value never goes early, at
    /// least 1, and at most about 30,000 years (Redis refuses times past its 64-bit clock).
    static func milliseconds(_ seconds: Double) -> Int {
        Int(min(max((seconds * 1000).rounded(.up), 1), 1e15))
    }
}

extension RedisBrokerScripts {
    /// The start of every shared-value script. ARGV: base, job, then the script's own.
    static let sharedPrelude = """
        local B, job = ARGV[1], ARGV[2]
        if redis.call('EXISTS', B .. 'job:' .. job) == 0 then return redis.error_reply('NOJOB ' .. job) end
        local function vkey(key) return B .. 'shared:' .. #job .. ':' .. job .. ':' .. key end
        local index = B .. 'shared-keys:' .. job

        """

    /// ARGV: base, job, key. The value, or nil.
    static let sharedGet = RedisScript(sharedPrelude + """
        return redis.call('GET', vkey(ARGV[3]))
        """)

    /// ARGV: base, job, key, value, milliseconds to live ('' for no expiry).
    static let sharedSet = RedisScript(sharedPrelude + """
        if ARGV[5] == '' then
          redis.call('SET', vkey(ARGV[3]), ARGV[4])
        else
          redis.call('SET', vkey(ARGV[3]), ARGV[4], 'PX', ARGV[5])
        end
        redis.call('SADD', index, ARGV[3])
        return 1
        """)

    /// ARGV: base, job, key, amount. The new value as text: Lua numbers are doubles, which would
    /// round an integer reply above 2^53.
    static let sharedIncrement = RedisScript(sharedPrelude + """
        local k = vkey(ARGV[3])
        local result = redis.pcall('INCRBY', k, ARGV[4])
        if type(result) == 'table' and result.err then return redis.error_reply('NOTINT ' .. result.err) end
        redis.call('SADD', index, ARGV[3])
        return redis.call('GET', k)
        """)

    /// ARGV: base, job, keys. How many of the values there were.
    static let sharedDelete = RedisScript(sharedPrelude + """
        local deleted = 0
        for i = 3, #ARGV do
          deleted = deleted + redis.call('DEL', vkey(ARGV[i]))
          redis.call('SREM', index, ARGV[i])
        end
        return deleted
        """)

    /// ARGV: base, job, key, milliseconds (0 deletes). 1 when there was a value.
    static let sharedExpire = RedisScript(sharedPrelude + """
        return redis.call('PEXPIRE', vkey(ARGV[3]), ARGV[4])
        """)
}
