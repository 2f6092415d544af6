import Foundation

/// The command line as the kernel gave it. `CommandLine.arguments` replaces each byte that is not
/// part of valid UTF-8 with U+FFFD, so a name that is not UTF-8 arrives changed (`caf\xE9` no
/// longer names the directory) and two different names can arrive as one string.
enum RawArguments {
    /// The bytes of the argument that Swift decoded to `value`, when they are not valid UTF-8;
    /// nil when `value` came from valid UTF-8.
    static func invalidUTF8Bytes(decodedAs value: String) -> [UInt8]? {
        guard value.unicodeScalars.contains("\u{FFFD}") else { return nil }
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: pointer, count: strlen(pointer)).map { UInt8(bitPattern: $0) }
            if String(validating: bytes, as: UTF8.self) == nil, String(decoding: bytes, as: UTF8.self) == value {
                return bytes
            }
        }
        return nil
    }

    /// `bytes` as text, each byte that is not part of valid UTF-8 written `\xNN` (`caf\xE9`), as a shell's `$'...'` takes it.
    static func escaped(_ bytes: [UInt8]) -> String {
        rendered(bytes) { String(format: "\\x%02X", $0) }
    }

    /// `bytes` with each byte that is not part of valid UTF-8 written `%NN`: how a synced tree stores such a name.
    static func percentEscaped(_ bytes: [UInt8]) -> String {
        rendered(bytes) { String(format: "%%%02X", $0) }
    }

    private static func rendered(_ bytes: [UInt8], invalid: (UInt8) -> String) -> String {
        var text = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, index + length <= bytes.count,
               let scalar = String(validating: bytes[index..<index + length], as: UTF8.self) {
                text += scalar
                index += length
            } else {
                text += invalid(lead)
                index += 1
            }
        }
        return text
    }

    /// Whether the file system has an entry at `bytes` (following links).
    static func exists(_ bytes: [UInt8]) -> Bool {
        var info = stat()
        return (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { stat($0.baseAddress!, &info) } == 0
    }
}
