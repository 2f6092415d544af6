import Foundation

/// One kind of job (sync, graph, and later pipeline and harvest): everything the runtime, the
/// command line and the server need to submit, run and show its jobs, in one place.
///
/// A kind holds settings only (the resources a sync may use, where graphs are kept); the live
/// things its handlers need (the catalog, graph stores) come in `JobResources` when a worker or a
/// submission needs them, so `list` and `status` can describe jobs without opening anything.
/// Adding a kind means writing one conformance and registering it: the worker, `list`, `status`
/// and the REST API reach it through `JobKindRegistry`.
public protocol JobKind: Sendable {
    /// Recorded in each of its jobs (`JobDefinition.kind`): `sync`, `graph`.
    var name: String { get }

    /// The task kinds its handlers run, namespaced as `<kind>.<task>` so that two kinds never claim
    /// the same one.
    var taskKinds: [String] { get }

    /// Task kinds queued by versions before the namespaces, and the namespaced kind that runs
    /// them: such tasks, and periodic jobs' stored passes, still run after an upgrade.
    var legacyTaskKinds: [String: String] { get }

    /// One handler per task kind of `taskKinds`.
    func handlers(_ resources: JobResources) -> [any TaskHandler]

    /// Checks a request (its spec as JSON) before anything is queued and returns the job and its
    /// first tasks.
    /// - Throws: `IngestError` naming the key and the fix.
    func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask])

    /// How a worker listening to every queue ranks this kind's queues: higher first; nil for a
    /// queue that is not this kind's. Queues no kind ranks come last.
    func priority(ofQueue queue: String) -> Int?

    /// What `list`, `status` and the REST API show about one of its jobs.
    func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport
}

extension JobKind {
    public var legacyTaskKinds: [String: String] { [:] }
    public func priority(ofQueue queue: String) -> Int? { nil }
}

/// The live things handlers and submissions use: the catalog, and services some kinds add (graph
/// stores), looked up by type so that the runtime need not know which kind wants which.
public struct JobResources: Sendable {
    public var catalog: any Catalog
    /// Object-store sources and storages (`s3://`); nil where the runtime has no client for them.
    public var objectStores: (any ObjectStores)?
    private var services: [ObjectIdentifier: any Sendable] = [:]

    public init(catalog: any Catalog) {
        self.catalog = catalog
    }

    public mutating func add<Service: Sendable>(_ service: Service) {
        services[ObjectIdentifier(Service.self)] = service
    }

    public func service<Service: Sendable>(_ type: Service.Type) -> Service? {
        services[ObjectIdentifier(type)] as? Service
    }
}

/// A job to submit, in the form every front end can give: the command line builds it from flags,
/// the REST API from a request body.
public struct JobRequest: Sendable {
    public var name: String
    public var kind: String
    /// The kind's own spec, as JSON.
    public var spec: Data
    public var schedule: JobSchedule?
    public var profileFilename: String?

    public init(name: String, kind: String, spec: Data, schedule: JobSchedule? = nil, profileFilename: String? = nil) {
        self.name = name
        self.kind = kind
        self.spec = spec
        self.schedule = schedule
        self.profileFilename = profileFilename
    }
}

/// What a kind says about one of its jobs, beyond the broker's counts: a one-line description
/// (the source and target of a sync, the dataset of a graph) and named details for tables and JSON.
public struct JobReport: Sendable, Equatable, Codable {
    /// Short, for tables: `/data -> /tempZone/home/rods/data (PUT_SYNC)`.
    public var summary: String
    /// Kind-specific fields, in display order (`source`, `target`, `operation`; `layers`).
    public var details: [Detail]

    public struct Detail: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// False while the kind is still finding its work (a sync listing directories): the entries
    /// counted so far are then a lower bound, and no ETA can be given.
    public var totalIsFinal: Bool
    /// The kind's own progress, when entries and bytes do not describe it (a graph's layers:
    /// `layer 2: 8/64, layer 3: 0/8`); shown by `watch` instead of the entry counts.
    public var progress: String?

    public init(summary: String, details: [Detail] = [], totalIsFinal: Bool = true, progress: String? = nil) {
        self.summary = summary
        self.details = details
        self.totalIsFinal = totalIsFinal
        self.progress = progress
    }

    public func value(of name: String) -> String? {
        details.first { $0.name == name }?.value
    }
}

/// Errors of assembling job kinds, each naming what clashed and the fix.
public enum JobKindError: Error, CustomStringConvertible, Equatable {
    case duplicateKind(String)
    case duplicateTaskKind(String, kinds: [String])
    case unknownKind(String, known: [String])
    case undeclaredTaskKind(String, kind: String)

    public var description: String {
        switch self {
        case .duplicateKind(let name):
            "two job kinds are named '\(name)'; give the second one another name"
        case .duplicateTaskKind(let task, let kinds):
            "job kinds \(kinds.map { "'\($0)'" }.joined(separator: " and ")) both handle task kind '\(task)'; "
                + "namespace each kind's tasks as <kind>.<task>"
        case .unknownKind(let name, let known):
            "no job kind is named '\(name)'; known kinds: \(known.joined(separator: ", "))"
        case .undeclaredTaskKind(let task, let kind):
            "job kind '\(kind)' has a handler for task kind '\(task)', which it does not list in taskKinds; add it there"
        }
    }
}

/// The job kinds of one process, checked once when assembled: no two with one name, no task kind
/// claimed twice (legacy names included).
public struct JobKindRegistry: Sendable {
    public let kinds: [any JobKind]
    /// The namespaced task kind each task kind (legacy names included) runs as.
    private let currentTaskKind: [String: String]

    public init(_ kinds: [any JobKind]) throws {
        var names = Set<String>()
        var owners: [String: String] = [:]
        var current: [String: String] = [:]
        for kind in kinds {
            guard names.insert(kind.name).inserted else { throw JobKindError.duplicateKind(kind.name) }
            let claimed = kind.taskKinds.map { ($0, $0) } + kind.legacyTaskKinds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            for (taskKind, runsAs) in claimed {
                if let owner = owners[taskKind] { throw JobKindError.duplicateTaskKind(taskKind, kinds: [owner, kind.name]) }
                owners[taskKind] = kind.name
                current[taskKind] = runsAs
            }
        }
        self.kinds = kinds
        currentTaskKind = current
    }

    public func kind(named name: String) throws -> any JobKind {
        guard let kind = kinds.first(where: { $0.name == name }) else {
            throw JobKindError.unknownKind(name, known: kinds.map(\.name))
        }
        return kind
    }

    /// Every kind's handlers, and each legacy task kind as a handler of its own (the worker looks
    /// handlers up by the claimed task's kind).
    /// - Throws: `JobKindError.undeclaredTaskKind` for a handler whose kind its job kind did not declare.
    public func handlers(_ resources: JobResources) throws -> [any TaskHandler] {
        var byKind: [String: any TaskHandler] = [:]
        for kind in kinds {
            for handler in kind.handlers(resources) {
                guard kind.taskKinds.contains(handler.kind) else {
                    throw JobKindError.undeclaredTaskKind(handler.kind, kind: kind.name)
                }
                byKind[handler.kind] = handler
            }
        }
        for (taskKind, runsAs) in currentTaskKind where taskKind != runsAs {
            if let handler = byKind[runsAs] { byKind[taskKind] = RenamedHandler(kind: taskKind, base: handler) }
        }
        return byKind.sorted { $0.key < $1.key }.map(\.value)
    }

    /// A worker's order over `queues`: each kind's ranked queues, highest first, then the rest in
    /// the order given.
    public func order(_ queues: [String]) -> [String] {
        let ranked = queues.compactMap { queue in kinds.lazy.compactMap { $0.priority(ofQueue: queue) }.first.map { (queue, $0) } }
        let rankedNames = Set(ranked.map(\.0))
        return ranked.sorted { $0.1 > $1.1 }.map(\.0) + queues.filter { !rankedNames.contains($0) }
    }

    /// The report of a job, by its kind; a job of a kind this process does not know says so.
    public func report(_ status: JobStatus, queues: [String: QueueCounts] = [:]) -> JobReport {
        guard let kind = kinds.first(where: { $0.name == status.kind }) else {
            return JobReport(summary: "(a \(status.kind) job; this version of ingest does not know that kind)")
        }
        return kind.report(status, queues: queues)
    }
}

/// A handler reached under an older task kind name.
private struct RenamedHandler: TaskHandler {
    let kind: String
    let base: any TaskHandler

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        try await base.handle(task, context: context)
    }
}
