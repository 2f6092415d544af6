import Foundation

/// Errors a user can act on: each message names the thing and the fix.
public enum IngestError: Error, CustomStringConvertible, Equatable {
    case jobAlreadyActive(String)
    case jobNotFound(String)
    case jobStopping(String)
    case invalidTarget(path: String, reason: String)
    case invalidSource(path: String, reason: String)
    case invalidURL(String, reason: String)
    case invalidOption(name: String, reason: String)
    case notFoundInCatalog(String)
    case corruptPayload(kind: String, reason: String)
    case noHandler(kind: String)
    /// A file or directory that cannot be created or opened: `reason` says why, `fix` what to do.
    case unusablePath(path: String, reason: String, fix: String)
    /// A request that cannot be done as asked; the message says why and what to do instead.
    case refused(String)
    /// `Broker.incrementSharedValue` on a value that is not a 64-bit integer in decimal text, or an
    /// increment that would leave that range.
    case sharedValueNotInteger(job: String, key: String)

    public var description: String {
        switch self {
        case .jobAlreadyActive(let name):
            "job '\(name)' is still active; wait for it, run `ingest stop \(name)`, or pick another --job_name"
        case .jobNotFound(let name):
            "no job named '\(name)'; `ingest list` shows the jobs"
        case .jobStopping(let name):
            "job '\(name)' is stopping and takes no new tasks; wait until `ingest list` shows it stopped, then queue again"
        case .invalidTarget(let path, let reason):
            "target '\(path)' cannot be used: \(reason)"
        case .invalidSource(let path, let reason):
            "source '\(path)' cannot be used: \(reason)"
        case .invalidURL(let url, let reason):
            // Never the text of a value that is not recognisably a URL: it may be a password pasted
            // into the wrong option.
            URLMasking.isRecognisable(url)
                ? "'\(URLMasking.masked(url))' is not a usable URL: \(reason)"
                : "the value given (\(url.count) characters, not shown: it is not recognisably a URL and may be a secret) is not a URL: \(reason)"
        case .invalidOption(let name, let reason):
            "option \(name): \(reason)"
        case .notFoundInCatalog(let path):
            "'\(path)' is not in the catalog; `ingest ls` shows what is"
        case .corruptPayload(let kind, let reason):
            "a '\(kind)' task carries a payload this version cannot read (\(reason)); flush the queues with `ingest flush` and start the job again"
        case .noHandler(let kind):
            "this worker has no handler for '\(kind)' tasks; run a worker built with that job kind"
        case .unusablePath(let path, let reason, let fix):
            "'\(path)' cannot be created or opened: \(reason); \(fix)"
        case .refused(let message):
            message
        case .sharedValueNotInteger(let job, let key):
            "shared value '\(key)' of job '\(job)' is not a 64-bit integer, or the increment would take it out of that range; "
                + "set it to an integer (decimal text such as \"0\") or delete it before incrementing"
        }
    }
}
