import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// `ingest start --policy policy.yaml`: declarative rules deciding per entry.
    @Suite struct PolicyCLITests {
        @Test func aYAMLPolicyDecidesEachEntryAndItsMetadataShowsInStat() async throws {
            let world = try CLIWorld()
            let vault = world.home.subpath("vault")
            try "resources:\n  - name: archive\n    type: vault\n    path: \(vault)\n".write(
                toFile: world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
            try TreeBuilder.write(world.source.path, "run1/image.fits", "pixels")
            try TreeBuilder.write(world.source.path, "run1/notes.txt", "text")
            try TreeBuilder.write(world.source.path, "run1/.hidden", "h")
            try TreeBuilder.write(world.source.path, "scratch/tmp.dat", "t")
            let policy = world.home.subpath("policy.yaml")
            try """
                rules:
                  - match: {path: "**/scratch/**", type: [file, directory]}
                    exclude: true
                  - match: {name_regex: '^\\.'}
                    exclude: true
                  - match: {extension: fits}
                    operation: PUT_SYNC
                    resource: archive
                    owner: alice
                    metadata:
                      - {name: instrument, value: "{stem}", units: cam}
                      - {name: collection, value: "{collection}"}
                    max_retries: 2
                default:
                  target_path: "/mnt/server{path}"
                """.write(toFile: policy, atomically: true, encoding: .utf8)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--policy", policy, "--synchronous", "--job_name", "ruled",
            ])
            #expect(start.status == 0, "\(start.stdout)\n\(start.stderr)")
            let image = try #require(try await world.ingest.json(["stat", world.target + "/run1/image.fits"]) as? [String: Any])
            #expect((image["replicas"] as? [[String: Any]])?.first?["resource"] as? String == "archive")
            let metadata = (image["metadata"] as? [[String: Any]] ?? []).map { "\($0["attribute"]!)=\($0["value"]!)/\($0["units"]!)" }
            #expect(metadata.contains("instrument=image/cam"), "\(metadata)")
            #expect(metadata.contains("collection=\(world.target)/run1/"), "\(metadata)")
            #expect(metadata.contains("ingest::owner=alice/"), "\(metadata)")
            let notes = try #require(try await world.ingest.json(["stat", world.target + "/run1/notes.txt"]) as? [String: Any])
            #expect((notes["replicas"] as? [[String: Any]])?.first?["physical_path"] as? String == "/mnt/server" + world.source.subpath("run1/notes.txt"))
            let listing = try await world.ingest.run(["ls", world.target])
            #expect(!listing.stdout.contains("scratch"), "\(listing.stdout)")
            #expect(try await world.ingest.run(["stat", world.target + "/run1/.hidden"]).status != 0, "excluded")
        }

        @Test func aPolicyWithAnUnknownKeyIsRefusedWithItsLineAndTheFix() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let policy = world.home.subpath("policy.yaml")
            try "rules:\n  - match: {extention: fits}\n    operation: PUT\n".write(toFile: policy, atomically: true, encoding: .utf8)
            let start = try await world.ingest.run(["start", world.source.path, world.target, "--policy", policy, "--job_name", "bad"])
            #expect(start.status == 64, "\(start.stdout)\n\(start.stderr)")
            #expect(start.stderr.contains("policy.yaml line 2") && start.stderr.contains("did you mean 'extension'"), "\(start.stderr)")
            #expect(try await world.broker().job(named: "bad") == nil, "nothing was queued")
        }

        @Test func eventHandlerAndPolicyTogetherAreRefused() async throws {
            let world = try CLIWorld()
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--policy", "p.yaml", "--event_handler", "h.py",
            ])
            #expect(start.status == 64)
            #expect(start.stderr.contains("give --event_handler or --policy, not both"), "\(start.stderr)")
        }
    }
}
