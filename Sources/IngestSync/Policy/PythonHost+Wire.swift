import Foundation

// The protocol's messages (PythonHost.swift describes the protocol). Keys are snake_case as Python
// writes them; replies leave out what is unset, so a decision that changes nothing is `{}`.

/// `{"id":n,"op":"...","body":{...}}`
struct HostRequest<Body: Encodable>: Encodable {
    var id: Int
    var op: String
    var body: Body
}

/// `{"id":n,"result":...}`, or `{"id":n,"error":"traceback"}` when the host itself failed.
struct HostReply<Result: Decodable>: Decodable {
    var id: Int?
    var result: Result?
    var error: String?
}

/// `{"callback":n,"op":"lookup"|"shared",...}`: Python asks while a request is outstanding.
struct HostCallback: Decodable, Sendable {
    var callback: Int
    var op: String
    var kind: String?
    var path: String?
    var command: String?
    var key: String?
    var keys: [String]?
    var value: String?
    var amount: Int64?
    var seconds: Double?
}

/// `{"callback":n,"result":...}` or `{"callback":n,"error":"..."}`.
struct CallbackAnswer: Encodable {
    var callback: Int
    var result: JSONValue?
    var error: String?
}

struct LoadBody: Encodable {
    var filename: String
    var text: String
}

/// The methods the handler's class defines beyond `Core`'s defaults, or why it cannot be used.
struct LoadResult: Decodable, Sendable {
    var defined: [String]?
    var problem: LoadProblem?
}

struct LoadProblem: Decodable, Sendable, Equatable {
    /// `syntax`, `import`, `missing_class`, `character_map` or `unsupported`.
    var kind: String
    var message: String
    var line: Int?
    var column: Int?
    var text: String?
}

/// An entry as an array, `[path, target, size, mtime_ns, ctime_ns, is_link, is_socket, type]`:
/// a batch of a thousand is encoded once, and small.
struct WireEntry: Encodable {
    var entry: PolicyEntry

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(entry.path)
        try container.encode(entry.target)
        try container.encode(entry.size)
        try container.encode(entry.mtimeNanos)
        try container.encode(entry.ctimeNanos)
        try container.encode(entry.isLink)
        try container.encode(entry.isSocket)
        try container.encode(entry.entryType.rawValue)
    }
}

struct DecideBody: Encodable {
    var job: PolicyJob
    var entries: [WireEntry]
}

struct DeleteModeBody: Encodable {
    var job: PolicyJob
    var entry: WireEntry
}

struct HooksBody: Encodable {
    var job: PolicyJob
    var calls: [WireHookCall]
}

struct WireHookCall: Encodable {
    var hook: String
    var entry: WireEntry?
    var operation: String?
    var options: [String: String]
    /// Seeds the request's look-ups: the target's existence needs no callback.
    var exists: Bool?

    init(_ call: HookCall) {
        hook = call.hook.rawValue
        entry = call.entry.map(WireEntry.init)
        operation = call.operation?.rawValue
        options = call.options
        exists = call.targetExists
    }
}

/// One entry's decision; an `Operation` member travels by name (`PUT_SYNC`), as `SyncOperation` spells it.
struct WireDecision: Decodable {
    var operation: String?
    var resource: String?
    var physicalPath: String?
    var name: String?
    var owner: String?
    var maxRetries: Int?
    var timeout: Double?
    var delay: Double?
    var error: String?
    var logs: [WireLog]?

    enum CodingKeys: String, CodingKey {
        case operation, resource, name, owner, timeout, delay, error, logs
        case physicalPath = "physical_path", maxRetries = "max_retries"
    }
}

struct WireDeleteMode: Decodable {
    var mode: String?
    var error: String?
}

struct WireHookResult: Decodable {
    var options: [String: String]?
    var effects: [WireEffect]?
    var logs: [WireLog]?
    var error: String?
}

/// `{"op":"add"|"remove"|"remove_all","path":...,"attribute":...,"value":...,"units":...}`
struct WireEffect: Decodable {
    var op: String
    var path: String
    var attribute: String
    var value: String?
    var units: String?
}

/// A record of the handler's `logger`: `{"level":"info","message":"...","fields":{...}}`.
struct WireLog: Decodable {
    var level: String
    var message: String
    var fields: [String: String]?
}
