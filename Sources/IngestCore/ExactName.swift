/// A catalog name or path compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality is canonical equivalence, so NFC `café` and NFD `cafe\u{301}` are equal
/// as `String`s; on Linux they are two files, and in the catalog two rows. Sets and dictionaries of
/// names that stand for files or rows are keyed by this instead.
public struct ExactName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public init(stringLiteral text: String) {
        self.text = text
    }

    public var description: String { text }

    public static func == (lhs: ExactName, rhs: ExactName) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        let hashedContiguously: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashedContiguously == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}
