import Crypto
import Foundation

/// The Python side of `PythonPolicy`, written for Ingest and kept in the binary: the modules iRODS
/// automated ingest's event handlers import, and the host that runs a handler file for Ingest. It
/// lives in string literals (SwiftPM resources would warn), and is written to a cache directory on
/// first use, so running a handler needs nothing installed beyond python3.
enum PythonShim {
    /// Every file, by path relative to the unpacked directory.
    static let files: [String: String] = packageFiles
        .merging(hostFiles) { first, _ in first }
        .merging(sessionFiles) { first, _ in first }
        .merging(characterMapFiles) { first, _ in first }

    /// The host script, relative to the unpacked directory.
    static let hostScript = "ingest_policy_host.py"

    /// Where the fallback `irods` package lives, relative to the unpacked directory: the host puts it
    /// at the end of `sys.path`, so an installed python-irodsclient wins.
    static let fallbackDirectory = "fallback"

    /// SHA-256 of every path and text: the name of the unpacked directory, so two versions of Ingest
    /// never share one and a directory, once complete, never changes.
    static let digest: String = {
        var hasher = SHA256()
        for path in files.keys.sorted() {
            hasher.update(data: Data(path.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: Data(files[path]!.utf8))
            hasher.update(data: Data([0]))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }()
}
