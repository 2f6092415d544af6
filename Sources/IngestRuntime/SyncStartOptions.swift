import Foundation
import IngestCore
import IngestSync

/// A request that cannot be carried out as given: an option value out of range, two options that
/// exclude each other. The message names the option and the fix; the CLI exits 64 with it and the
/// REST API answers 400.
public struct InvalidRequest: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything `ingest start` takes, by its option name: the one place where a sync request's
/// values are checked and turned into a job, whether they came from the command line or from a
/// `PUT /job` document. Defaults are upstream's.
public struct SyncStartOptions: Sendable {
    public var source: String
    public var target: String
    public var filesPerTask = 50
    public var restartQueue = "restart"
    public var pathQueue = "path"
    public var fileQueue = "file"
    public var ignoreCache = false
    public var initialIngest = false
    public var maxRetries = 0
    public var delay: Double = 0
    public var timeout: Double = 3600
    public var operation = SyncOperation.registerSync.rawValue
    public var toResource: String?
    public var checksum: String?
    public var excludeFileType: [String] = []
    public var excludeFileName: [String] = []
    public var excludeDirectoryName: [String] = []
    public var followSymlinks = false
    public var deleteMode = DeleteMode.doNotDelete.rawValue
    public var policy: PolicyDocument?
    public var interval: Double?
    public var cron: String?
    /// Where workers write the job's task profile; nil for none.
    public var profileFilename: String?
    /// The bucket settings of an `s3://` source; nil for a directory.
    public var s3: S3Access?

    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }

    public var queueNames: [String] { [restartQueue, pathQueue, fileQueue] }

    /// Refuses values no worker could run with, naming the option and the fix.
    /// - Throws: `InvalidRequest`.
    public func check() throws {
        if let scheme = ["gs://", "http://", "https://"].first(where: { source.lowercased().hasPrefix($0) }) {
            throw InvalidRequest(
                "source '\(source)' is a \(scheme) URL, and ingest syncs directories and S3 buckets (s3://BUCKET/PREFIX); copy the "
                    + "objects into a directory or a bucket first and sync that")
        }
        if filesPerTask < 1 { throw InvalidRequest("--files_per_task must be at least 1, got \(filesPerTask)") }
        for (option, queue) in [("--restart_queue", restartQueue), ("--path_queue", pathQueue), ("--file_queue", fileQueue)] where queue.isEmpty {
            throw InvalidRequest("\(option) is empty; give a queue name such as \(option.dropFirst(2).split(separator: "_")[0])")
        }
        if maxRetries < 0 { throw InvalidRequest("--max_retries must be 0 or more, got \(maxRetries)") }
        try Self.checkSeconds(timeout, option: "--timeout", allowsZero: false)
        try Self.checkSeconds(delay, option: "--delay", allowsZero: true)
        if SyncOperation(userValue: operation) == nil {
            throw InvalidRequest("--operation '\(operation)' is not one of \(SyncOperation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if DeleteMode(userValue: deleteMode) == nil {
            throw InvalidRequest("--delete_mode '\(deleteMode)' is not one of \(DeleteMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let checksum, ChecksumAlgorithm(rawValue: checksum.lowercased()) == nil {
            throw InvalidRequest("--checksum '\(checksum)' is not one of sha256, md5")
        }
        if interval != nil && cron != nil { throw InvalidRequest("give --interval or --cron, not both") }
        if let interval { try Self.checkSeconds(interval, option: "--interval", allowsZero: false) }
        if let cron {
            do {
                _ = try CronSchedule(cron).firstRun(after: Date())
            } catch {
                throw InvalidRequest("\(error)")
            }
        }
    }

    /// The job to submit under `name`, after `check`.
    /// - Throws: `InvalidRequest` for a value `check` refuses.
    public func jobRequest(name: String) throws -> JobRequest {
        try check()
        try Self.checkJobName(name)
        let spec = SyncSpec(
            source: source, target: target, filesPerTask: filesPerTask, ignoreCache: ignoreCache, initialIngest: initialIngest,
            queues: SyncQueues(restart: restartQueue, path: pathQueue, file: fileQueue),
            retry: RetryPolicy(maxRetries: maxRetries, delay: delay, timeout: timeout),
            operation: SyncOperation(userValue: operation)!, resource: toResource,
            checksum: checksum.flatMap { ChecksumAlgorithm(rawValue: $0.lowercased()) },
            exclusions: ExclusionRules(fileTypes: excludeFileType, fileNamePatterns: excludeFileName, directoryNamePatterns: excludeDirectoryName),
            followSymlinks: followSymlinks, deleteMode: DeleteMode(userValue: deleteMode)!, policy: policy, s3: s3)
        let schedule: JobSchedule? =
            if let interval { .interval(seconds: interval) } else if let cron { .cron(try CronSchedule(cron)) } else { nil }
        return JobRequest(
            name: name, kind: SyncSpec.jobKind, spec: try JSONEncoder().encode(spec), schedule: schedule, profileFilename: profileFilename)
    }

    /// Seconds become durations and deadlines in every worker that runs the job's tasks: a value
    /// out of range would crash them (and leave their leases held), so it is refused here.
    public static func checkSeconds(_ value: Double, option: String, allowsZero: Bool) throws {
        if let problem = SecondsSetting.problem(with: value, allowsZero: allowsZero) {
            throw InvalidRequest("\(option): \(problem)")
        }
    }

    /// A job name is typed in later commands, shown in tables and logs and used in file names, where an
    /// empty name or control characters (a newline, an escape sequence) cannot be typed or would garble the output.
    public static func checkJobName(_ name: String) throws {
        if name.isEmpty {
            throw InvalidRequest("--job_name is empty; give a name such as nightly, or leave the option out for a generated one")
        }
        if let control = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            let code = String(format: "U+%04X", control.value)
            throw InvalidRequest(
                "--job_name \(name.debugDescription) contains the control character \(code); give a name of printable characters such as nightly")
        }
    }
}

/// iRODS automated ingest's S3 options, as `ingest start` and `PUT /job` take them.
public struct S3StartOptions: Sendable {
    public var keypair: String?
    public var endpointDomain: String?
    public var regionName: String?
    public var proxyURL: String?
    public var insecureConnection = false
    public var multipartChunkSizeMiB: Int?

    public init() {}

    /// The settings of a bucket source, or nil for a directory.
    /// - Throws: `InvalidRequest` for S3 options given with a directory source, naming the fix.
    public func access(for source: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Access? {
        guard S3Path.isURL(source) || keypair != nil else {
            let given = [
                ("--s3_endpoint_domain", endpointDomain != nil), ("--s3_region_name", regionName != nil), ("--s3_proxy_url", proxyURL != nil),
                ("--s3_insecure_connection", insecureConnection), ("--s3_multipart_chunksize_in_mib", multipartChunkSizeMiB != nil),
            ].filter(\.1).map(\.0)
            if let first = given.first {
                throw InvalidRequest(
                    "\(first) applies to bucket sources; give the source as s3://BUCKET/PREFIX, or as /BUCKET/PREFIX with --s3_keypair FILE")
            }
            return nil
        }
        return try access(environment: environment)
    }

    /// The settings the options give, else the environment's `AWS_ENDPOINT_URL` and `AWS_REGION`.
    /// - Throws: `InvalidRequest` for a keypair file that cannot be read or a proxy URL with a password.
    public func access(environment: [String: String]) throws -> S3Access {
        if let proxyURL, let authority = proxyURL.split(separator: "://", maxSplits: 1).last, authority.prefix(while: { $0 != "/" }).contains("@") {
            // The proxy URL is kept with the job: a password in it would travel with every task.
            throw InvalidRequest("--s3_proxy_url must not hold a user or password (it is stored with the job); give http://HOST:PORT")
        }
        if let keypair, !FileManager.default.isReadableFile(atPath: keypair) {
            throw InvalidRequest("--s3_keypair '\(keypair)' is not a readable file; give a file with the access key on line 1 and the secret key on line 2")
        }
        let nonEmpty = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return S3Access(
            endpoint: endpointDomain ?? nonEmpty("AWS_ENDPOINT_URL_S3") ?? nonEmpty("AWS_ENDPOINT_URL"),
            region: regionName ?? nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION"),
            proxy: proxyURL, insecure: insecureConnection,
            keypair: keypair.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            multipartChunkSizeMiB: multipartChunkSizeMiB)
    }
}
