import Foundation
import IngestCore

/// Builds the policy a job's `PolicyDocument` describes. The runtime makes one from its settings;
/// a program embedding Ingest adds its own policies under names (`registered`).
public struct PolicyFactory: Sendable {
    /// The Python interpreter for `--event_handler` files.
    public var python: String
    /// Policies a program registered, by the name its jobs give (`PolicyDocument.registered(name)`).
    public var registered: [String: any SyncPolicy]

    public init(python: String = "python3", registered: [String: any SyncPolicy] = [:]) {
        self.python = python
        self.registered = registered
    }

    /// Checks a document before its job is queued: a handler that does not load, rules that do not
    /// parse, or a policy name nobody registered.
    /// - Throws: `IngestError.invalidOption` naming `--event_handler` or `--policy` and the fix.
    public func check(_ document: PolicyDocument) async throws {
        guard let text = document.text else {
            throw IngestError.invalidOption(name: Self.option(for: document), reason: "the policy's text is missing")
        }
        switch document.language {
        case .python:
            _ = try await PythonPolicy.check(text: text, filename: document.filename, python: python)
        case .yaml:
            _ = try YAMLPolicy(text: text, filename: document.filename)
        case .registered:
            _ = try registeredPolicy(document)
        }
    }

    /// The policy of a document whose text is present.
    public func make(_ document: PolicyDocument, services: PolicyServices) async throws -> any SyncPolicy {
        switch document.language {
        case .python:
            let shared: any PolicySharedValues =
                if let broker = services.broker, let job = services.job { BrokerPolicySharedValues(broker: broker, job: job) } else {
                    InMemoryPolicySharedValues.process
                }
            return try await PythonPolicy(document: document, services: services, python: python, sharedValues: shared)
        case .yaml:
            return try YAMLPolicy(text: document.text ?? "", filename: document.filename)
        case .registered:
            return try registeredPolicy(document)
        }
    }

    private func registeredPolicy(_ document: PolicyDocument) throws -> any SyncPolicy {
        guard let policy = registered[document.filename] else {
            let known = registered.keys.sorted().joined(separator: ", ")
            throw IngestError.invalidOption(
                name: "policy", reason: "no policy is registered as '\(document.filename)'; registered: \(known.isEmpty ? "none" : known)")
        }
        return policy
    }

    static func option(for document: PolicyDocument) -> String {
        switch document.language {
        case .python: "--event_handler"
        case .yaml: "--policy"
        case .registered: "policy"
        }
    }
}

/// The policies of one worker, built once per document and shared by all its tasks (a Python
/// handler runs in one long-lived process per worker, not one per task).
actor PolicyProvider {
    let factory: PolicyFactory
    private var built: [String: Task<any SyncPolicy, any Error>] = [:]

    init(factory: PolicyFactory) {
        self.factory = factory
    }

    /// The policy of the job a task belongs to (one per job, whose shared values it uses). Task
    /// payloads carry the document without its text, which is read from the job's record once per worker.
    func policy(for spec: SyncSpec, job: String, services: PolicyServices) async throws -> any SyncPolicy {
        guard let document = spec.policy else { return JobOptionsPolicy() }
        let key = job + "\u{0}" + document.digest
        if let existing = built[key] { return try await existing.value }
        let factory = self.factory
        var services = services
        services.job = job
        let jobServices = services
        let building = Task<any SyncPolicy, any Error> {
            var complete = document
            if complete.text == nil { complete = try await Self.documentFromJobRecord(document, job: job, broker: jobServices.broker) }
            return try await factory.make(complete, services: jobServices)
        }
        built[key] = building
        do {
            return try await building.value
        } catch {
            // A failure (a job record not readable yet, a Python that did not start) is not kept.
            built[key] = nil
            throw error
        }
    }

    private static func documentFromJobRecord(_ document: PolicyDocument, job: String, broker: (any Broker)?) async throws -> PolicyDocument {
        guard let broker, let status = try await broker.job(named: job) else {
            throw PermanentTaskError("job '\(job)' has a policy (\(document.filename)) but its record, which holds the policy's text, is gone")
        }
        guard let spec = try? JSONDecoder().decode(SyncSpec.self, from: status.spec), let recorded = spec.policy,
            recorded.digest == document.digest, recorded.text != nil
        else {
            throw PermanentTaskError(
                "job '\(job)' was started again with another policy than this task's (\(document.filename)); this task belongs to the earlier run")
        }
        return recorded
    }
}
