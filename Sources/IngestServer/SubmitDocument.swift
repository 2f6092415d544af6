import Foundation
import IngestCore
import IngestGraph
import IngestRuntime
import IngestSync
import Yams

/// A `PUT /job` body: iRODS automated ingest's submit document (`root`, `target`, `interval`,
/// `timeout`, `event_handler`, `event_handler_data`, ...) as YAML or JSON, plus every `ingest start`
/// option under its name (`delete_mode`, `files_per_task`, ...), or a graph build with `kind: graph`.
/// Every key is checked: a misspelt one is refused with the closest known key, never ignored.
struct SubmitDocument {
    /// Keys upstream's API takes that change nothing here; accepted and reported back.
    static let ignoredKeys = ["all"]

    private var values: [String: DocumentValue]
    /// YAML is typed by hand: `target: 2024` means the text "2024" there, while JSON's types are exact.
    private let lenient: Bool
    private var used: Set<String> = []

    /// - Throws: `InvalidRequest` naming the problem and the fix.
    init(body: Data, contentType: String?) throws {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard !body.isEmpty else {
            throw InvalidRequest("the body is empty; send the job as YAML (Content-Type: application/x-yaml) or JSON, with at least root and target")
        }
        guard let text = String(data: body, encoding: .utf8) else { throw InvalidRequest("the body is not UTF-8 text") }
        let parsed: DocumentValue
        switch type {
        case "application/json":
            do {
                parsed = try JSONDecoder().decode(DocumentValue.self, from: body)
            } catch {
                throw InvalidRequest("the body is not valid JSON; check it with a JSON linter (\(Self.jsonProblem(error)))")
            }
        case "application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml", "":
            do {
                // Checked as a tree first: Yams' loader crashes on a key that is a list or a mapping,
                // and aliases could expand a small body into billions of values.
                if let node = try Yams.compose(yaml: text) {
                    var budget = 100_000
                    try Self.checkPlain(node, budget: &budget)
                }
                parsed = DocumentValue(yaml: try Yams.load(yaml: text))
            } catch let error as YamlError {
                throw InvalidRequest("the body is not valid YAML: \(error)")
            }
        default:
            throw InvalidRequest("Content-Type '\(type)' is not taken; send application/x-yaml (upstream's submit document) or application/json")
        }
        lenient = type != "application/json"
        guard case .mapping(let mapping) = parsed else {
            throw InvalidRequest("the body must be a mapping of keys (root: ..., target: ...), not \(parsed.description)")
        }
        values = mapping
    }

    /// Refuses keys that are not plain values, and documents whose aliases expand past `budget`
    /// values, anywhere in the document.
    private static func checkPlain(_ node: Yams.Node, budget: inout Int, depth: Int = 0) throws {
        budget -= 1
        guard budget > 0 else { throw InvalidRequest("the body expands to more than 100,000 values (YAML aliases?); a job document is small") }
        guard depth < 64 else { throw InvalidRequest("the body nests more than 64 levels deep; a job document is flat") }
        switch node {
        case .scalar: return
        case .alias: return
        case .sequence(let items): for item in items { try checkPlain(item, budget: &budget, depth: depth + 1) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard case .scalar = key else { throw InvalidRequest("a key of the body is a list or a mapping; keys are names such as root") }
                try checkPlain(value, budget: &budget, depth: depth + 1)
            }
        }
    }

    private static func jsonProblem(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.underlyingError.map { "\($0)" } ?? context.debugDescription }
        return "\(error)"
    }

    /// The job this document asks for, named `name` (from the URL) or by its `job_name` key.
    /// - Returns: the request and the keys that were accepted but change nothing.
    mutating func jobRequest(name urlName: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (JobRequest, [String]) {
        let bodyName = try string("job_name")
        if let urlName, let bodyName, urlName != bodyName {
            throw InvalidRequest("the URL names job '\(urlName)' and job_name says '\(bodyName)'; leave job_name out or make them equal")
        }
        let name = urlName ?? bodyName ?? UUID().uuidString.lowercased()
        for key in ["synchronous", "progress", "concurrency", "lease_seconds", "profile_filename", "python"] where values[key] != nil {
            throw InvalidRequest(
                "\(key) is an option of the command line's in-process runs; the server queues the job for its workers "
                    + "(`ingest worker`, or `ingest serve --worker`): leave \(key) out")
        }
        let kind = try string("kind") ?? SyncSpec.jobKind
        let request: JobRequest
        switch kind {
        case SyncSpec.jobKind: request = try syncRequest(name: name, environment: environment)
        case GraphSpec.jobKind: request = try graphRequest(name: name, environment: environment)
        default:
            throw InvalidRequest("kind '\(kind)' is not one of \(SyncSpec.jobKind), \(GraphSpec.jobKind)")
        }
        let ignored = Self.ignoredKeys.filter { values[$0] != nil }
        used.formUnion(ignored)
        try refuseUnknownKeys(kind: kind)
        return (request, ignored)
    }

    private mutating func syncRequest(name: String, environment: [String: String]) throws -> JobRequest {
        let root = try string("root")
        let source = try string("source")
        if root != nil && source != nil { throw InvalidRequest("give root or source (the same thing), not both") }
        guard let source = root ?? source else { throw InvalidRequest("root is missing: give the directory or s3://BUCKET/PREFIX to sync") }
        guard let target = try string("target") else { throw InvalidRequest("target is missing: give the collection to sync into, such as /tempZone/home/rods/data") }
        var options = SyncStartOptions(source: source, target: target)
        options.filesPerTask = try integer("files_per_task") ?? options.filesPerTask
        options.restartQueue = try string("restart_queue") ?? options.restartQueue
        options.pathQueue = try string("path_queue") ?? options.pathQueue
        options.fileQueue = try string("file_queue") ?? options.fileQueue
        options.ignoreCache = try bool("ignore_cache") ?? false
        options.initialIngest = try bool("initial_ingest") ?? false
        options.maxRetries = try integer("max_retries") ?? 0
        options.delay = try number("delay") ?? 0
        options.timeout = try number("timeout") ?? options.timeout
        options.operation = try string("operation") ?? options.operation
        options.toResource = try string("to_resource")
        options.checksum = try string("checksum")
        options.excludeFileType = try strings("exclude_file_type")
        options.excludeFileName = try strings("exclude_file_name")
        options.excludeDirectoryName = try strings("exclude_directory_name")
        options.followSymlinks = try bool("follow_symlinks") ?? false
        options.deleteMode = try string("delete_mode") ?? options.deleteMode
        options.interval = try number("interval")
        options.cron = try string("cron")
        options.policy = try policyDocument()
        if try bool("profile") == true { options.profileFilename = nil }
        if let appended = values["append_json"], appended != .null {
            used.insert("append_json")
            throw InvalidRequest("append_json is not supported yet (event handlers do not see meta[\"append_json\"]); leave it out")
        }
        used.insert("append_json")
        var s3 = try s3Options()
        s3.multipartChunkSizeMiB = try integer("s3_multipart_chunksize_in_mib")
        options.s3 = try s3.access(for: source, environment: environment)
        return try options.jobRequest(name: name)
    }

    private mutating func graphRequest(name: String, environment: [String: String]) throws -> JobRequest {
        guard let dataset = try string("dataset") else {
            throw InvalidRequest("dataset is missing: give the path of the dataset.yml on the server (data_source, graph_config, backend_client, ingest_config)")
        }
        let s3 = try s3Options()
        let request = GraphJobKind.Request(
            dataset: dataset, test: try bool("test") ?? false, retry: try bool("retry") ?? false, s3: try s3.access(environment: environment))
        try SyncStartOptions.checkJobName(name)
        return JobRequest(name: name, kind: GraphSpec.jobKind, spec: try JSONEncoder().encode(request))
    }

    /// The bucket settings a document gives, for a bucket source or graph inputs in buckets.
    private mutating func s3Options() throws -> S3StartOptions {
        try refuseKeypair()
        var s3 = S3StartOptions()
        s3.endpointDomain = try string("s3_endpoint_domain")
        s3.regionName = try string("s3_region_name")
        s3.proxyURL = try string("s3_proxy_url")
        s3.insecureConnection = try bool("s3_insecure_connection") ?? false
        return s3
    }

    /// A keypair file names a file on the server whose first line would be sent to an endpoint the
    /// same request chooses: over the API, credentials come from the workers' environment.
    private mutating func refuseKeypair() throws {
        if try string("s3_keypair") != nil {
            throw InvalidRequest(
                "s3_keypair names a file, and the server reads no file named in a request; give the workers AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
        }
    }

    /// Upstream's `event_handler` (a module name) and `event_handler_data` (its text), or
    /// `policy_data` (a YAML policy's text). The server reads no file named in a request.
    private mutating func policyDocument() throws -> PolicyDocument? {
        let handlerName = try string("event_handler")
        let handlerText = try string("event_handler_data")
        let policyText = try string("policy_data")
        if values["policy"] != nil {
            used.insert("policy")
            throw InvalidRequest("policy names a file, and the server reads no file named in a request; send the policy's text as policy_data")
        }
        if handlerText != nil && policyText != nil {
            throw InvalidRequest("give event_handler_data or policy_data, not both; a YAML policy and a Python handler cannot both decide an entry")
        }
        if let handlerText {
            let module = handlerName.map { ($0 as NSString).lastPathComponent } ?? "event_handler"
            return PolicyDocument(language: .python, filename: module.hasSuffix(".py") ? module : module + ".py", text: handlerText)
        }
        if let handlerName {
            throw InvalidRequest(
                "event_handler '\(handlerName)' has no text: send the handler's Python source as event_handler_data (the server reads no file named in a request)")
        }
        if let policyText { return PolicyDocument(language: .yaml, filename: "policy_data", text: policyText) }
        return nil
    }

    private func refuseUnknownKeys(kind: String) throws {
        let unknown = Set(values.keys).subtracting(used).sorted()
        guard let key = unknown.first else { return }
        let known = used.union(Self.ignoredKeys).sorted()
        let closest = known.min { Self.distance(key, $0) < Self.distance(key, $1) }
        let hint = closest.map { Self.distance(key, $0) <= 3 ? "; did you mean \($0)?" : "" } ?? ""
        throw InvalidRequest("unknown key '\(key)' for a \(kind) job\(hint) Keys: \(Self.keys(kind: kind).joined(separator: ", "))")
    }

    static func keys(kind: String) -> [String] {
        let s3 = ["s3_keypair", "s3_endpoint_domain", "s3_region_name", "s3_proxy_url", "s3_insecure_connection"]
        if kind == GraphSpec.jobKind { return ["kind", "job_name", "dataset", "test", "retry"] + s3 }
        return [
            "kind", "job_name", "root", "source", "target", "interval", "cron", "timeout", "delay", "max_retries", "files_per_task",
            "restart_queue", "path_queue", "file_queue", "ignore_cache", "initial_ingest", "operation", "to_resource", "checksum",
            "exclude_file_type", "exclude_file_name", "exclude_directory_name", "follow_symlinks", "delete_mode", "event_handler",
            "event_handler_data", "policy_data", "profile", "append_json", "all",
        ] + s3 + ["s3_multipart_chunksize_in_mib"]
    }

    // MARK: Typed values

    private mutating func value(_ key: String) -> DocumentValue? {
        used.insert(key)
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    /// Text; in YAML a number is taken as its text (`target: 2024` is the collection "2024").
    private mutating func string(_ key: String) throws -> String? {
        switch value(key) {
        case nil: return nil
        case .string(let text): return text
        case .number(let number) where lenient: return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let other?: throw InvalidRequest("\(key) must be text, got \(other.description)")
        }
    }

    private mutating func bool(_ key: String) throws -> Bool? {
        switch value(key) {
        case nil: return nil
        case .bool(let flag): return flag
        case let other?: throw InvalidRequest("\(key) must be true or false, got \(other.description)")
        }
    }

    private mutating func number(_ key: String) throws -> Double? {
        switch value(key) {
        case nil: return nil
        case .number(let number): return number
        case .string(let text) where lenient && Double(text) != nil: return Double(text)
        case let other?: throw InvalidRequest("\(key) must be a number, got \(other.description)")
        }
    }

    private mutating func integer(_ key: String) throws -> Int? {
        guard let number = try number(key) else { return nil }
        guard number.rounded() == number, let whole = Int(exactly: number) else {
            throw InvalidRequest("\(key) must be a whole number, got \(number)")
        }
        return whole
    }

    /// A list of text, or one text (a single exclusion pattern).
    private mutating func strings(_ key: String) throws -> [String] {
        switch value(key) {
        case nil: return []
        case .string(let text): return [text]
        case .list(let items):
            return try items.map { item in
                guard case .string(let text) = item else { throw InvalidRequest("\(key) must be a list of text, got an item \(item.description)") }
                return text
            }
        case let other?: throw InvalidRequest("\(key) must be a list of text, got \(other.description)")
        }
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
