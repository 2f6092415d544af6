import Foundation

/// A request body's value with its JSON type kept: `true` is not the number 1 and `"5"` is not 5,
/// so a wrong type is named in the error rather than guessed.
enum DocumentValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([DocumentValue])
    case mapping([String: DocumentValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([DocumentValue].self) {
            self = .list(items)
        } else {
            self = .mapping(try container.decode([String: DocumentValue].self))
        }
    }

    /// From what Yams loads: native Swift values.
    init(yaml value: Any?) {
        switch value {
        case nil, is NSNull: self = .null
        case let flag as Bool: self = .bool(flag)
        case let number as Int: self = .number(Double(number))
        case let number as Double: self = .number(number)
        case let text as String: self = .string(text)
        case let items as [Any]: self = .list(items.map { DocumentValue(yaml: $0) })
        case let mapping as [String: Any]: self = .mapping(mapping.mapValues { DocumentValue(yaml: $0) })
        case let mapping as [AnyHashable: Any]:
            self = .mapping(Dictionary(mapping.map { ("\($0.key)", DocumentValue(yaml: $0.value)) }, uniquingKeysWith: { first, _ in first }))
        case let value?: self = .string("\(value)")
        }
    }

    var description: String {
        switch self {
        case .null: "nothing"
        case .bool(let flag): "\(flag)"
        case .number(let number): "the number \(number)"
        case .string(let text): "text '\(text.prefix(40))'"
        case .list: "a list"
        case .mapping: "a mapping"
        }
    }
}
