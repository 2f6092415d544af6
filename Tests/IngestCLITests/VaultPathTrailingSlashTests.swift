import Foundation
import IngestCore
import IngestSQLite
import IngestTesting
import Testing

extension CommandLineTests {
    /// A vault written with a trailing `/` in the configuration made TRASH leave a vanished file's
    /// copy in place (a returning file then overwrote the trashed bytes) and NO_TRASH leave orphan
    /// copies: copies are recognised by the vault path as a prefix. The path is now normalised when
    /// the configuration is read, and catalogs that recorded the old spelling keep working.
    @Suite struct VaultPathTrailingSlashTests {
        private func writeConfig(_ world: CLIWorld, vaultPath: String) throws {
            try "resources:\n  - name: v\n    type: vault\n    path: \(vaultPath)\n".write(
                toFile: world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
        }

        /// Every copy of a file named `name` under the vault, relative to it.
        private func copies(named name: String, in vault: String) -> [String] {
            let walker = FileManager.default.enumerator(atPath: vault)
            var found: [String] = []
            while let relative = walker?.nextObject() as? String {
                if (relative as NSString).lastPathComponent == name { found.append(relative) }
            }
            return found
        }

        private func sync(_ world: CLIWorld, deleteMode: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let result = try await world.ingest.run([
                "start", world.source.path, world.target, "--operation", "PUT_SYNC", "--to_resource", "v",
                "--delete_mode", deleteMode, "--synchronous", "--job_name", "trailing",
            ])
            #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        }

        @Test func trashMovesTheCopyOfAVanishedFileOutOfPlace() async throws {
            let world = try CLIWorld()
            let vault = world.home.subpath("vault")
            try writeConfig(world, vaultPath: vault + "/")
            try TreeBuilder.write(world.source.path, "gone.txt", "old bytes")
            try TreeBuilder.write(world.source.path, "kept.txt", "k")
            try await sync(world, deleteMode: "TRASH")
            #expect(copies(named: "gone.txt", in: vault).count == 1)
            try FileManager.default.removeItem(atPath: world.source.subpath("gone.txt"))
            try await sync(world, deleteMode: "TRASH")
            let left = copies(named: "gone.txt", in: vault)
            #expect(left.count == 1, "\(left)")
            #expect(left.allSatisfy { $0.split(separator: "/").contains("trash") }, "the copy was moved into the trash: \(left)")
        }

        @Test func noTrashRemovesTheCopyOfAVanishedFile() async throws {
            let world = try CLIWorld()
            let vault = world.home.subpath("vault")
            try writeConfig(world, vaultPath: vault + "//")
            try TreeBuilder.write(world.source.path, "gone.txt", "bytes")
            try TreeBuilder.write(world.source.path, "kept.txt", "k")
            try await sync(world, deleteMode: "NO_TRASH")
            try FileManager.default.removeItem(atPath: world.source.subpath("gone.txt"))
            try await sync(world, deleteMode: "NO_TRASH")
            #expect(copies(named: "gone.txt", in: vault).isEmpty, "no orphan copy is left")
            #expect(copies(named: "kept.txt", in: vault).count == 1)
        }

        /// A catalog that recorded the resource as `VAULT/` (before paths were normalised) still
        /// takes jobs for it.
        @Test func catalogWithTheOldSpellingStillTakesJobs() async throws {
            let world = try CLIWorld()
            let vault = world.home.subpath("vault")
            let catalog = try SQLiteCatalog(path: world.home.subpath("catalog.sqlite"))
            try await catalog.ensureResource(StorageResource(name: "v", type: "vault", path: vault + "/"))
            try writeConfig(world, vaultPath: vault + "/")
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let result = try await world.ingest.run([
                "start", world.source.path, world.target, "--operation", "PUT", "--to_resource", "v", "--synchronous",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(copies(named: "a.txt", in: vault).count == 1)
        }
    }
}
