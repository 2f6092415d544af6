import Crypto
import Foundation

/// The checksums a sync records (`--checksum`), in the forms iRODS users know.
public enum ChecksumAlgorithm: String, Codable, Sendable, CaseIterable {
    case sha256, md5
}

/// A checksum computed while bytes stream past, in the form iRODS users know: `sha2:BASE64` for
/// SHA-256 and lower-case hex for MD5.
public struct StreamingChecksum {
    private enum State {
        case sha256(SHA256)
        case md5(Insecure.MD5)
    }

    private var state: State

    public init(_ algorithm: ChecksumAlgorithm) {
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .md5: state = .md5(Insecure.MD5())
        }
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .sha256(hasher)
        case .md5(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .md5(hasher)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> String {
        switch state {
        case .sha256(let hasher):
            return "sha2:" + Data(hasher.finalize()).base64EncodedString()
        case .md5(let hasher):
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    /// The algorithm a stored checksum was made with, from its form.
    public static func algorithm(of checksum: String) -> ChecksumAlgorithm {
        checksum.hasPrefix("sha2:") ? .sha256 : .md5
    }
}
