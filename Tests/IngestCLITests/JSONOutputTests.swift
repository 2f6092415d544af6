import Foundation
import IngestTesting
import Testing

extension CommandLineTests {
    /// One JSON style across commands (issue 12, B9): snake_case keys, times as RFC 3339 text, and
    /// table headers that are the JSON keys, so a column is found in `--json` output by its name.
    @Suite struct JSONOutputTests {
        /// The header line of a table, split on runs of two or more spaces.
        private func header(_ table: String) -> [String] {
            guard let first = table.split(separator: "\n").first else { return [] }
            return first.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        /// Every key at any depth of a JSON value, with its value.
        private func pairs(_ value: Any, into result: inout [(String, Any)]) {
            if let object = value as? [String: Any] {
                for (key, inner) in object {
                    result.append((key, inner))
                    // Counters are named by the engine (`bytes.done`), not by the output style.
                    if key != "counters" { pairs(inner, into: &result) }
                }
            } else if let array = value as? [Any] {
                for element in array { pairs(element, into: &result) }
            }
        }

        private func checkStyle(_ json: Any, _ command: String) {
            var all: [(String, Any)] = []
            pairs(json, into: &all)
            #expect(!all.isEmpty, "\(command) printed no keys")
            let rfc3339 = ISO8601DateFormatter()
            rfc3339.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for (key, value) in all {
                #expect(key.wholeMatch(of: /[a-z][a-z0-9_]*/) != nil, "\(command): key '\(key)' is not snake_case")
                if key.hasSuffix("_at") || key == "mtime", !(value is NSNull) {
                    let text = value as? String
                    #expect(text.flatMap(rfc3339.date(from:)) != nil, "\(command): \(key) is \(value), not an RFC 3339 time")
                }
            }
        }

        private func checkHeader(_ world: CLIWorld, _ arguments: [String]) async throws {
            let table = try await world.ingest.run(arguments)
            #expect(table.status == 0, "\(arguments): \(table.stderr)")
            let rows = try #require(try await world.ingest.json(arguments) as? [[String: Any]])
            let keys = Set(rows.flatMap(\.keys))
            let columns = header(table.stdout)
            #expect(!columns.isEmpty, "\(arguments): \(table.stdout)")
            for column in columns {
                #expect(keys.contains(column.lowercased()), "\(arguments): column \(column) is not a JSON key (\(keys.sorted()))")
            }
            checkStyle(rows, arguments.joined(separator: " "))
        }

        @Test func tablesAndJSONOfEveryCommandShareNamesAndStyle() async throws {
            let world = try CLIWorld()
            if getuid() == 0 { world.ingest.runAsUser = "65534" }
            try TreeBuilder.write(world.source.path, "a.txt", "abc")
            let secret = try TreeBuilder.write(world.source.path, "sub/secret.txt", "classified")
            TreeBuilder.openToEveryone(world.source.path)
            chmod(secret, 0o000)
            let run = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--job_name", "shapes"])
            #expect(run.status != 0, "one file fails: \(run.stdout) \(run.stderr)")

            try await checkHeader(world, ["list"])
            try await checkHeader(world, ["failed", "shapes"])
            try await checkHeader(world, ["history", "shapes"])
            try await checkHeader(world, ["resource", "ls"])
            let worker = try await world.ingest.launchStartedWorker(["-Q", "restart", "-c", "1"])
            try await checkHeader(world, ["workers"])
            worker.stopWorker()

            for arguments in [["ls", "-l", world.target], ["stat", "\(world.target)/a.txt"], ["stat", world.target]] {
                checkStyle(try await world.ingest.json(arguments), arguments.joined(separator: " "))
            }
        }
    }
}
