import Foundation
import IngestCore
import Logging

/// An iRODS automated ingest event handler file (`--event_handler`), run unchanged by python3.
///
/// The handler runs in a python process of the policy's own (`PythonHost`), which Ingest feeds whole
/// batches: one round trip decides a directory slice, one runs a batch's hooks. The handler's
/// session, logger and `get_redis` are emulations (`PythonShim`) that call back to Ingest for reads
/// and buffer writes; the policy applies the writes to the catalog after the reply.
///
/// Differences from iRODS automated ingest: `character_map` renames the entry's last path element
/// only and appends no collision-avoiding suffix; handlers that override the `on_*` transfer wrappers
/// are refused (Ingest does the transfer); a handler cannot import files beside it (workers get its
/// text, not its directory); the session offers `data_objects`/`collections` `get`, `exists` and
/// `.metadata` only, and anything else fails the entry naming the call.
public struct PythonPolicy: SyncPolicy {
    /// The interpreter used unless `--python` names another: found on PATH.
    public static let defaultPython = "python3"

    public let capabilities: PolicyCapabilities
    let host: PythonHost
    let services: PolicyServices
    let filename: String

    /// Starts python and loads the handler.
    /// - Throws: `IngestError.invalidOption(name: "--event_handler", ...)` for a handler that does not
    ///   load (as `check` says), or python that cannot be started.
    public init(document: PolicyDocument, services: PolicyServices, python: String = PythonPolicy.defaultPython) async throws {
        try await self.init(document: document, services: services, python: python, sharedValues: InMemoryPolicySharedValues.process)
    }

    /// - Parameter sharedValues: what `get_redis(config)` reads and writes.
    init(document: PolicyDocument, services: PolicyServices, python: String, sharedValues: any PolicySharedValues) async throws {
        guard let text = document.text else {
            throw IngestError.invalidOption(
                name: "--event_handler", reason: "the job holds no text for '\(document.filename)'; start the job again with the file")
        }
        let callbacks = PolicyCallbacks(catalog: services.catalog, sharedValues: sharedValues)
        let host = try PythonHost(
            python: python, filename: document.filename, text: text, logger: services.logger,
            callbacks: { try await callbacks.answer($0) })
        let defined = try await Self.load(host, filename: document.filename, python: python)
        self.host = host
        self.services = services
        filename = document.filename
        capabilities = Self.capabilities(defined: defined)
    }

    /// What a handler takes part in, from the methods its class defines beyond `Core`'s defaults.
    static func capabilities(defined: Set<String>) -> PolicyCapabilities {
        let deciding: Set = ["operation", "to_resource", "target_path", "as_user", "max_retries", "timeout", "delay", "character_map"]
        return PolicyCapabilities(
            decidesFiles: !defined.isDisjoint(with: deciding),
            namesDirectories: defined.contains("character_map"),
            decidesDeleteMode: defined.contains("delete_mode"),
            hooks: Set(defined.compactMap(PolicyHook.init(rawValue:))))
    }

    public func decide(_ entries: [PolicyEntry], job: PolicyJob) async throws -> [EntryDecision] {
        var decisions = Array(repeating: EntryDecision.jobDefault, count: entries.count)
        let asked = entries.indices.filter {
            entries[$0].entryType == .directory ? capabilities.namesDirectories : capabilities.decidesFiles
        }
        guard !asked.isEmpty else { return decisions }
        let body = DecideBody(job: job, entries: asked.map { WireEntry(entry: entries[$0]) })
        let replies = try await host.send("decide", body, expecting: [WireDecision].self)
        guard replies.count == asked.count else {
            throw PythonHostError.protocolViolation("\(replies.count) decisions for \(asked.count) entries")
        }
        for (index, reply) in zip(asked, replies) {
            log(reply.logs, job: job, path: entries[index].path)
            decisions[index] = Self.decision(from: reply)
        }
        return decisions
    }

    static func decision(from reply: WireDecision) -> EntryDecision {
        var decision = EntryDecision(
            resource: reply.resource, physicalPath: reply.physicalPath, name: reply.name, owner: reply.owner,
            maxRetries: reply.maxRetries, delay: reply.delay, timeout: reply.timeout, error: reply.error)
        if let name = reply.operation {
            if let operation = SyncOperation(rawValue: name) {
                decision.operation = operation
            } else {
                decision = EntryDecision(error: "operation() returned \(name), which Ingest does not know")
            }
        }
        return decision
    }

    public func deleteMode(for directory: PolicyEntry, job: PolicyJob) async throws -> DeleteMode? {
        guard capabilities.decidesDeleteMode else { return nil }
        let reply = try await host.send(
            "delete_mode", DeleteModeBody(job: job, entry: WireEntry(entry: directory)), expecting: WireDeleteMode.self)
        if let traceback = reply.error {
            throw EventHandlerFailure(filename: filename, method: "delete_mode", path: directory.path, traceback: traceback)
        }
        guard let name = reply.mode else { return nil }
        guard let mode = DeleteMode(rawValue: name) else {
            throw EventHandlerFailure(
                filename: filename, method: "delete_mode", path: directory.path, traceback: "returned \(name), which Ingest does not know")
        }
        return mode
    }

    /// Stops the python process (a later call starts it again). Dropping the last copy of the policy
    /// stops it too.
    public func shutdown() async {
        await host.shutdown()
    }

    /// The python process's pid, if one runs (tests kill it).
    func hostProcessID() async -> pid_t? {
        await host.processID
    }
}

/// A handler method raised for an entry where Ingest has no per-entry error to report it in.
struct EventHandlerFailure: Error, CustomStringConvertible {
    var filename: String
    var method: String
    var path: String
    var traceback: String

    var description: String { "event handler '\(filename)': \(method)() failed for '\(path)':\n\(traceback)" }
}
