import Crypto
import Foundation

/// A checksum computed while bytes stream past, in the form iRODS users know: `sha2:BASE64` for
/// SHA-256 and lower-case hex for MD5.
struct StreamingChecksum {
    private enum State {
        case sha256(SHA256)
        case md5(Insecure.MD5)
    }

    private var state: State

    init(_ algorithm: ChecksumAlgorithm) {
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .md5: state = .md5(Insecure.MD5())
        }
    }

    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .sha256(hasher)
        case .md5(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .md5(hasher)
        }
    }

    func finalize() -> String {
        switch state {
        case .sha256(let hasher):
            return "sha2:" + Data(hasher.finalize()).base64EncodedString()
        case .md5(let hasher):
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    /// The algorithm a stored checksum was made with, from its form.
    static func algorithm(of checksum: String) -> ChecksumAlgorithm {
        checksum.hasPrefix("sha2:") ? .sha256 : .md5
    }
}
