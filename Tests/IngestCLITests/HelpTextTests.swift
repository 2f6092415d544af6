import Foundation
import IngestTesting
import Testing

extension CommandLineTests {
    /// What `--help` shows a new user (issue 12, B8): only the options a command uses, each
    /// default once, no internal words.
    @Suite struct HelpTextTests {
        static let catalogOnly: [[String]] = [["ls"], ["stat"], ["verify"], ["resource", "ls"]]
        static let brokerOnly: [[String]] = [
            ["list"], ["watch"], ["stop"], ["forget"], ["failed"], ["requeue"], ["flush"], ["history"], ["workers"],
            ["status"], ["rate"], ["layer"], ["chunk"],
        ]
        static let both: [[String]] = [
            ["start"], ["worker"], ["graph", "build"], ["graph", "root"], ["graph", "leaves"], ["graph", "children"],
            ["graph", "parent"],
        ]

        private func help(_ command: [String]) async throws -> String {
            let result = try await IngestProcess(home: NSTemporaryDirectory()).run(command + ["--help"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            return result.stdout
        }

        /// The help's option entries: each starts on a line indented by two spaces and a dash.
        private func optionEntries(_ help: String) -> [String] {
            var entries: [String] = []
            for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("  -") { entries.append(String(line)) } else if !entries.isEmpty, line.hasPrefix("   ") {
                    entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
                }
            }
            return entries
        }

        @Test(arguments: catalogOnly)
        func catalogCommandsListNoBrokerOptions(_ command: [String]) async throws {
            let text = try await help(command)
            #expect(text.contains("--catalog"), "\(command)")
            #expect(!text.contains("--broker") && !text.contains("--redis"), "\(command) lists broker options it does not use:\n\(text)")
        }

        @Test(arguments: brokerOnly)
        func jobCommandsListNoCatalogOption(_ command: [String]) async throws {
            let text = try await help(command)
            #expect(text.contains("--broker"), "\(command)")
            #expect(!text.contains("--catalog"), "\(command) lists --catalog, which it does not use:\n\(text)")
        }

        @Test func connectionFlagsACommandDoesNotUseAreStillAcceptedForScripts() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let flags = ["--broker", "sqlite:\(world.home.subpath("state.sqlite"))", "--catalog", "sqlite:\(world.home.subpath("catalog.sqlite"))"]
            #expect(try await world.ingest.run(["start", world.source.path, world.target, "--synchronous"] + flags).status == 0)
            let listed = try await world.ingest.run(["list"] + flags)
            #expect(listed.status == 0, "\(listed.stderr)")
            let shown = try await world.ingest.run(["ls", world.target] + flags)
            #expect(shown.status == 0 && shown.stdout.contains("a.txt"), "\(shown.stderr)")
        }

        @Test(arguments: catalogOnly + brokerOnly + both + [["graph", "generate"], ["profile"]])
        func eachDefaultIsPrintedOnceAndNoInternalWordsShow(_ command: [String]) async throws {
            let text = try await help(command)
            for entry in optionEntries(text) {
                // A word of its own: `default_resource` is a configuration key, not a default.
                let defaults = entry.lowercased().matches(of: /\bdefault\b/).count
                #expect(defaults <= 1, "\(command): a default printed twice: \(entry)")
            }
            // One alias order everywhere: iRODS automated ingest's underscore spelling first.
            for match in text.matches(of: /--([a-z0-9]+(?:-[a-z0-9]+)+), --([a-z0-9_]+)/) where match.2 == match.1.replacingOccurrences(of: "-", with: "_") {
                Issue.record("\(command): --\(match.1) is listed before --\(match.2)")
            }
            // "The seed" was the team's word for iRODS automated ingest; a random seed is fine.
            #expect(text.lowercased().matches(of: /the seed\b|seed's/).isEmpty, "\(command): \(text)")
        }
    }
}
