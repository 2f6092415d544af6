import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestRuntime
import IngestSync
import Logging

/// `ingest start SRC DST`: queue a sync of a directory tree into a collection.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Sync a directory tree into a catalog collection: register files in place or copy them into a storage resource (--operation).")

    @Argument(help: "The directory to sync, or a bucket: s3://BUCKET/PREFIX (or /BUCKET/PREFIX with --s3_keypair).")
    var source: String

    @Argument(help: "The destination collection, an absolute catalog path such as /tempZone/home/rods/data.")
    var target: String

    @Option(name: [.customLong("job_name"), .customLong("job-name")], help: "Reference name for the job (default: a generated UUID).")
    var jobName: String?

    @Option(name: [.customLong("files_per_task"),.customLong("files-per-task")], help: "Files processed by one file task.")
    var filesPerTask: Int = 50

    @Option(name: [.customLong("restart_queue"),.customLong("restart-queue")], help: "Name of the restart queue.")
    var restartQueue: String = "restart"

    @Option(name: [.customLong("path_queue"),.customLong("path-queue")], help: "Name of the path queue.")
    var pathQueue: String = "path"

    @Option(name: [.customLong("file_queue"),.customLong("file-queue")], help: "Name of the file queue.")
    var fileQueue: String = "file"

    @Flag(help: "Run the job in this process and return when it has ended.")
    var synchronous = false

    @Flag(help: "Show a progress bar with rates and ETA (needs --synchronous).")
    var progress = false

    @Flag(name: [.customLong("ignore_cache"),.customLong("ignore-cache")], help: "Treat every entry as changed, like a first sync.")
    var ignoreCache = false

    @Flag(name: [.customLong("initial_ingest"),.customLong("initial-ingest")], help: "Skip catalog look-ups: for a first bulk load into an empty collection.")
    var initialIngest = false

    @Option(name: [.customLong("max_retries"),.customLong("max-retries")], help: "Times a failed task runs again before it is recorded as failed.")
    var maxRetries: Int = 0

    @Option(help: "Seconds between a failure and the retry.")
    var delay: Double = 0

    @Option(help: "Seconds one task may run before it counts as failed.")
    var timeout: Double = 3600

    @Option(help: "What to do with new and changed files: REGISTER_SYNC, REGISTER_AS_REPLICA_SYNC, PUT, PUT_SYNC, PUT_APPEND, NO_OP.")
    var operation: String = SyncOperation.registerSync.rawValue

    @Option(name: [.customLong("to_resource"), .customLong("to-resource")], help: "Storage resource (from the configuration file) that copies go to or replicas are recorded on (default: default_resource for copies, inplace for registration).")
    var toResource: String?

    @Option(help: "Compute, store and verify checksums: sha256 or md5 (default: none).")
    var checksum: String?

    @Option(name: [.customLong("exclude_file_type"),.customLong("exclude-file-type")], parsing:.upToNextOption, help: "Entry types to leave out: regular, directory, character, block, socket, pipe, link.")
    var excludeFileType: [String] = []

    @Option(name: [.customLong("exclude_file_name"),.customLong("exclude-file-name")], parsing:.upToNextOption, help: "Regular expressions; a non-directory whose full absolute path matches one from its start is left out (like Python's re.match).")
    var excludeFileName: [String] = []

    @Option(name: [.customLong("exclude_directory_name"),.customLong("exclude-directory-name")], parsing:.upToNextOption, help: "Regular expressions; a directory whose full absolute path matches one from its start is left out and not descended into.")
    var excludeDirectoryName: [String] = []

    @Flag(name: [.customLong("follow_symlinks"),.customLong("follow-symlinks")], help: "Follow symbolic links (cycles are detected and skipped); by default a link is recorded with a link_target metadata entry.")
    var followSymlinks = false

    @Option(name: [.customLong("delete_mode"),.customLong("delete-mode")], help: "Catalog entries whose source is gone: DO_NOT_DELETE, UNREGISTER (register operations), TRASH or NO_TRASH (PUT_SYNC, PUT_APPEND).")
    var deleteMode: String = DeleteMode.doNotDelete.rawValue

    @Option(name: [.customLong("event_handler"), .customLong("event-handler")], help: "An iRODS automated ingest event handler file (Python, class event_handler): per-entry operation, resource, paths and hooks. Its text is stored with the job.")
    var eventHandler: String?

    @Option(help: "A YAML policy file: ordered rules that set each entry's operation, resource, target path, metadata, exclusion and retries (docs/policy-yaml.md).")
    var policy: String?

    @Option(help: "The Python interpreter that checks and, with --synchronous, runs --event_handler (default: $INGEST_PYTHON, or python3 on PATH).")
    var python: String?

    @Option(name: [.customShort("i"), .long], help: "Run a new pass this many seconds after the previous pass ended (default: run once).")
    var interval: Double?

    @Option(help: "Run a new pass at the times of this cron expression, such as \"0 3 * * *\" (default: run once).")
    var cron: String?

    @Flag(help: "Write one JSON line per task (queue, worker, start, end, entries, bytes, outcome) to --profile_filename.")
    var profile = false

    @Option(name: [.customLong("profile_filename"), .customLong("profile-filename")], help: "Where --profile writes (default: $INGEST_HOME/profile-JOB.jsonl).")
    var profileFilename: String?

    @Option(name: .shortAndLong, help: "Tasks run at once with --synchronous (default: 4 per CPU). A queued job runs at the concurrency of its workers (`ingest worker -c N`).")
    var concurrency: Int?

    @Option(name: [.customLong("lease_seconds"), .customLong("lease-seconds")], help: "With --synchronous: seconds before a task held by this process is re-delivered if it dies (default: 30). A queued job's lease is its workers' (`ingest worker --lease_seconds N`).")
    var leaseSeconds: Double?

    @OptionGroup(title: "S3 sources") var s3: S3Options
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        do {
            _ = try s3.startOptions.access(for: source)
            try options(policy: nil, s3: nil, profilePath: nil).check()
        } catch let error as InvalidRequest {
            throw ValidationError(error.message)
        }
        try checkArgumentsAreUTF8()
        if progress && !synchronous {
            throw ValidationError("--progress needs --synchronous; to follow a queued job run `ingest watch JOB`")
        }
        if let leaseSeconds { try Self.checkSeconds(leaseSeconds, option: "--lease_seconds", allowsZero: false) }
        // Options of the in-process worker would do nothing for a queued job: say so rather than ignore them.
        for (option, given) in [("--lease_seconds", leaseSeconds != nil), ("-c/--concurrency", concurrency != nil)] where given && !synchronous {
            throw ValidationError(
                "\(option) applies to --synchronous runs only; a queued job runs with the settings of the workers that take it "
                    + "(`ingest worker \(option == "--lease_seconds" ? "--lease_seconds N" : "-c N")`)")
        }
        if let concurrency, concurrency < 1 { throw ValidationError("-c must be at least 1, got \(concurrency)") }
        if let jobName { try Self.checkJobName(jobName) }
        if eventHandler != nil && policy != nil {
            throw ValidationError("give --event_handler or --policy, not both; a YAML policy and a Python handler cannot both decide an entry")
        }
    }

    /// The request as the runtime checks it, from the flags.
    private func options(policy: PolicyDocument?, s3: S3Access?, profilePath: String?) -> SyncStartOptions {
        var options = SyncStartOptions(source: source, target: target)
        options.filesPerTask = filesPerTask
        (options.restartQueue, options.pathQueue, options.fileQueue) = (restartQueue, pathQueue, fileQueue)
        (options.ignoreCache, options.initialIngest) = (ignoreCache, initialIngest)
        (options.maxRetries, options.delay, options.timeout) = (maxRetries, delay, timeout)
        (options.operation, options.toResource, options.checksum) = (operation, toResource, checksum)
        (options.excludeFileType, options.excludeFileName, options.excludeDirectoryName) = (excludeFileType, excludeFileName, excludeDirectoryName)
        (options.followSymlinks, options.deleteMode) = (followSymlinks, deleteMode)
        (options.interval, options.cron) = (interval, cron)
        (options.policy, options.s3, options.profileFilename) = (policy, s3, profilePath)
        return options
    }

    /// Refuses a source, target or option value that is not valid UTF-8 before Swift's repaired
    /// spelling of it is used: a target would become another collection (`caf\xE9` and `caf\xE8` both
    /// `caf\u{FFFD}`), a source would not be found.
    private func checkArgumentsAreUTF8() throws {
        if let bytes = RawArguments.invalidUTF8Bytes(decodedAs: source) {
            let shown = RawArguments.escaped(bytes)
            guard RawArguments.exists(bytes) else {
                throw ValidationError("source '\(shown)' does not exist (the name is not valid UTF-8; each \\xNN is a byte that is not); give an existing directory")
            }
            let absolute = shown.hasPrefix("/") ? shown : FileManager.default.currentDirectoryPath + "/" + shown
            let parent = (absolute as NSString).deletingLastPathComponent
            throw ValidationError(
                "source '\(shown)' exists, but its name is not valid UTF-8 (each \\xNN is a byte that is not), and a job's source must be UTF-8 text; "
                    + "give its parent directory '\(parent)' instead (names inside a tree may be any bytes: they are stored escaped, as '\(RawArguments.percentEscaped(bytes).split(separator: "/").last ?? "")'), "
                    + "or rename it to a UTF-8 name")
        }
        if let bytes = RawArguments.invalidUTF8Bytes(decodedAs: target) {
            throw ValidationError(
                "target '\(RawArguments.escaped(bytes))' is not valid UTF-8 (each \\xNN is a byte that is not); catalog paths are UTF-8 text, "
                    + "and the bytes would be replaced, so that another target could land in the same collection; "
                    + "give it in UTF-8, for example '\(RawArguments.percentEscaped(bytes))' as a synced tree would name it")
        }
        let options: [(String, String?)] = [("--job_name", jobName), ("--to_resource", toResource), ("--cron", cron)]
            + excludeFileName.map { ("--exclude_file_name", $0) } + excludeDirectoryName.map { ("--exclude_directory_name", $0) }
        for case let (option, value?) in options {
            if let bytes = RawArguments.invalidUTF8Bytes(decodedAs: value) {
                throw ValidationError("\(option) '\(RawArguments.escaped(bytes))' is not valid UTF-8 (each \\xNN is a byte that is not); give it in UTF-8")
            }
        }
    }

    /// `SyncStartOptions.checkSeconds` for the commands' own options, as a usage error.
    static func checkSeconds(_ value: Double, option: String, allowsZero: Bool) throws {
        do {
            try SyncStartOptions.checkSeconds(value, option: option, allowsZero: allowsZero)
        } catch let error as InvalidRequest {
            throw ValidationError(error.message)
        }
    }

    static func checkJobName(_ name: String) throws {
        do {
            try SyncStartOptions.checkJobName(name)
        } catch let error as InvalidRequest {
            throw ValidationError(error.message)
        }
    }

    /// The `--event_handler` or `--policy` file, read now: its text travels with the job.
    private func policyDocument() throws -> PolicyDocument? {
        let (option, path, language): (String, String, PolicyDocument.Language)
        if let eventHandler {
            (option, path, language) = ("--event_handler", eventHandler, .python)
        } else if let policy {
            (option, path, language) = ("--policy", policy, .yaml)
        } else {
            return nil
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw IngestError.invalidOption(name: option, reason: "cannot read '\(path)': \((error as NSError).localizedDescription); give the path of the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestError.invalidOption(name: option, reason: "'\(path)' is not UTF-8 text; save it as UTF-8")
        }
        return PolicyDocument(language: language, filename: (path as NSString).lastPathComponent, text: text)
    }

    func run() async throws {
        let runtime = try connection.runtime(python: python)
        let logger = try logging.makeLogger(label: "ingest.start", configuration: runtime.settings.configuration.logging)
        let broker = try runtime.openBroker()
        let name = jobName ?? UUID().uuidString.lowercased()
        let profilePath = profile || profileFilename != nil
            ? URL(fileURLWithPath: profileFilename ?? runtime.settings.defaultProfilePath(job: name)).path
            : nil
        let request = try options(policy: try policyDocument(), s3: try s3.startOptions.access(for: source), profilePath: profilePath)
            .jobRequest(name: name)
        if let earlier = try await broker.job(named: name), earlier.state.isTerminal {
            // Said before anything runs: the earlier run's counters and failures are about to go.
            print("job \(name) replaces the ended job of that name (\(earlier.state.rawValue)); its counters and failed entries are dropped")
        }
        let (synchronous, queueNames) = (self.synchronous, [restartQueue, pathQueue, fileQueue])
        let (concurrency, leaseSeconds, progress) = (
            self.concurrency ?? WorkerConfiguration.defaultConcurrency, self.leaseSeconds ?? 30, self.progress)
        let status: JobStatus? = try await runtime.withResources(logger: logger) { resources in
            try await runtime.submit(request, broker: broker, resources: resources)
            guard synchronous else { return nil }
            return try await runtime.runUntilJobEnds(
                name, queues: queueNames, concurrency: concurrency, leaseDuration: leaseSeconds, broker: broker,
                resources: resources, showProgress: progress, logger: logger)
        }
        let profileNote = profilePath.map { "; workers write its profile to \($0) (`ingest profile \($0)` summarises it)" } ?? ""
        guard let status else {
            print("job \(name) queued; run `ingest worker -Q \(queueNames.joined(separator: ","))` to process it and `ingest watch \(name)` to follow it"
                + profileNote)
            return
        }
        print(JobProgress.summary(for: status))
        if let profilePath { print("profile written to \(profilePath); `ingest profile \(profilePath)` summarises it") }
        if !status.succeeded { throw ExitCode.failure }
    }
}
