import Foundation

/// Plain-text tables and JSON for command output.
enum Output {
    /// Left-aligned columns sized to their widest cell.
    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Table headers are the JSON keys of the same command, upper-cased, so a column can be
    /// found in `--json` output by its name.
    static func header(_ jsonKeys: [String]) -> [String] {
        jsonKeys.map { $0.uppercased() }
    }

    /// A JSON time (`2026-12-03T09:20:33.555Z`) to the second, as tables show times.
    static func time(_ rfc3339: String) -> String {
        guard let dot = rfc3339.firstIndex(of: ".") else { return rfc3339 }
        return String(rfc3339[..<dot]) + "Z"
    }

    /// One style for every command: snake_case keys, times as RFC 3339 text, sizes in bytes.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
