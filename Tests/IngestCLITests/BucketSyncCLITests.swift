import Crypto
import Foundation
import IngestCore
import IngestS3
import IngestSQLite
import IngestTesting
import NIOCore
import Testing

extension CommandLineTests {
    /// `ingest start s3://BUCKET/PREFIX` (and upstream's `/BUCKET/PREFIX --s3_keypair FILE`), and
    /// copies into s3 resources, against the moto server: what a user of iRODS automated ingest's
    /// S3 scanning does, plus the re-syncs, deletions and exclusions upstream cannot do on S3.
    @Suite struct BucketSyncCLITests {
        /// A user's machine and a fresh bucket on the test S3 server.
        final class BucketWorld: @unchecked Sendable {
            let world: CLIWorld
            let server: S3TestServer
            let client: S3Client
            let bucket = S3TestServer.uniqueBucketName("sync")

            init(backend: CLIWorld.Backend = .sqlite) async throws {
                world = try CLIWorld(backend: backend)
                server = try S3TestServer.moto()
                client = try server.client()
                do {
                    try await client.createBucket(bucket)
                } catch {
                    // A client dropped without shutdown stops a debug process.
                    try? await client.shutdown()
                    throw error
                }
                world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = server.credentials.accessKeyID
                world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = server.credentials.secretAccessKey
            }

            /// `--s3_endpoint_domain host:port --s3_insecure_connection`, as upstream's users point at a local server.
            var endpointOptions: [String] {
                ["--s3_endpoint_domain", "\(server.endpoint.host):\(server.endpoint.port ?? 80)", "--s3_insecure_connection"]
            }

            func put(_ key: String, _ text: String) async throws {
                _ = try await client.putObject(bucket: bucket, key: key, body: ByteBuffer(string: text))
            }

            func catalog() throws -> SQLiteCatalog { try SQLiteCatalog(path: world.home.subpath("catalog.sqlite")) }

            func sync(_ source: String, _ options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> IngestProcess.Result {
                let result = try await world.ingest.run(
                    ["start", source, world.target, "--synchronous", "--job_name", "bucket"] + endpointOptions + options)
                #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
                return result
            }

            func close() async {
                try? await S3TestServer.removeBucket(bucket, client: client)
                try? await client.shutdown()
            }
        }

        static func md5(_ text: String) -> String {
            Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }

        @Test func registerSyncRecordsEveryObjectAtItsS3PathWithItsSizeAndMD5() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("data/a.txt", "alpha")
            try await world.put("data/sub/b.txt", "bravo!")
            try await world.put("data/sub/deep/c.bin", "c")
            try await world.put("elsewhere/x.txt", "not under the prefix")

            _ = try await world.sync("s3://\(world.bucket)/data")

            let catalog = try world.catalog()
            let a = try #require(try await catalog.dataObject(at: world.world.target + "/a.txt"))
            #expect(a.size == 5)
            #expect(a.replicas.map(\.physicalPath) == ["s3://\(world.bucket)/data/a.txt"])
            #expect(a.replicas.first?.checksum == Self.md5("alpha"))
            #expect(try await catalog.dataObject(at: world.world.target + "/sub/b.txt")?.size == 6)
            #expect(try await catalog.dataObject(at: world.world.target + "/sub/deep/c.bin") != nil)
            #expect(try await catalog.kind(of: world.world.target + "/x.txt") == nil)
        }

        @Test func aSecondPassFindsEverythingUnchangedAndAChangedObjectIsUpdated() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("p/a.txt", "one")
            try await world.put("p/b.txt", "two")
            _ = try await world.sync("s3://\(world.bucket)/p")

            try await world.put("p/b.txt", "two, longer now")
            _ = try await world.sync("s3://\(world.bucket)/p")

            let jobs = try #require(try await world.world.ingest.json(["list", "--json"]) as? [[String: Any]])
            let counters = try #require(jobs.first?["counters"] as? [String: Any])
            // a.txt and the collection unchanged, b.txt updated, nothing new.
            #expect(counters["entries.unchanged"] as? Int == 2, "\(counters)")
            #expect(counters["entries.updated"] as? Int == 1, "\(counters)")
            #expect(counters["entries.created"] == nil, "\(counters)")
            let b = try #require(try await world.catalog().dataObject(at: world.world.target + "/b.txt"))
            #expect(b.size == 15)
            #expect(b.replicas.first?.checksum == Self.md5("two, longer now"))
        }

        @Test func upstreamsSlashFormWithAKeypairFileWorks() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("in/file.txt", "keypair")
            let keypair = world.world.home.subpath("keypair")
            try "\(world.server.credentials.accessKeyID)\n\(world.server.credentials.secretAccessKey)\n".write(
                toFile: keypair, atomically: true, encoding: .utf8)
            world.world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = ""
            world.world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = ""

            _ = try await world.sync("/\(world.bucket)/in", ["--s3_keypair", keypair])

            let object = try #require(try await world.catalog().dataObject(at: world.world.target + "/file.txt"))
            #expect(object.replicas.first?.physicalPath == "s3://\(world.bucket)/in/file.txt")
        }

        @Test func listingPagesThroughMoreThanTwoThousandKeys() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            let count = 2_150
            try await withThrowingTaskGroup(of: Void.self) { group in
                for start in stride(from: 0, to: count, by: count / 8 + 1) {
                    group.addTask {
                        for index in start..<min(count, start + count / 8 + 1) { try await world.put(String(format: "many/f%05d", index), "\(index)") }
                    }
                }
                try await group.waitForAll()
            }
            try await world.put("many/sub/z", "z")

            _ = try await world.sync("s3://\(world.bucket)/many", ["--files_per_task", "200"])

            let catalog = try world.catalog()
            let children = try await catalog.children(of: world.world.target)
            #expect(children.objects.count == count)
            #expect(children.collections == ["sub"])
            #expect(try await catalog.dataObject(at: world.world.target + "/f02149")?.size == 4)
        }

        @Test func excludedObjectsAreNotRegistered() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("e/keep.txt", "k")
            try await world.put("e/skip.tmp", "t")
            try await world.put("e/cache/inner.txt", "c")

            _ = try await world.sync("s3://\(world.bucket)/e", ["--exclude_file_name", ".*\\.tmp", "--exclude_directory_name", ".*/cache"])

            let children = try await world.catalog().children(of: world.world.target)
            #expect(children.objects == ["keep.txt"])
            #expect(children.collections.isEmpty)
        }

        @Test func anObjectThatIsAlsoAPrefixIsRecordedAsFailedAndThePrefixSynced() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("k/a", "object named like the prefix")
            try await world.put("k/a/inner.txt", "inner")
            try await world.put("k/b.txt", "b")

            let result = try await world.world.ingest.run(
                ["start", "s3://\(world.bucket)/k", world.world.target, "--synchronous", "--job_name", "both"] + world.endpointOptions)

            #expect(result.status != 0, "the job ends with a failed entry")
            let catalog = try world.catalog()
            #expect(try await catalog.kind(of: world.world.target + "/a") == .collection)
            #expect(try await catalog.dataObject(at: world.world.target + "/a/inner.txt") != nil)
            #expect(try await catalog.dataObject(at: world.world.target + "/b.txt") != nil)
            let failed = try await world.world.ingest.run(["failed", "both"])
            #expect(failed.stdout.contains("is an object and also a prefix"), "\(failed.stdout)")
        }

        /// Each page deletes only within its own range of names: objects deleted on the first and on
        /// the last page of a prefix vanish from the catalog, and nothing else does.
        @Test func deletionsAcrossPagesRemoveExactlyTheDeletedObjects() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            let keys = (0..<1_060).map { String(format: "pg/f%04d", $0) } + ["pg/sub/x"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slice in keys.chunked(into: 140) {
                    group.addTask { for key in slice { try await world.put(key, "v") } }
                }
                try await group.waitForAll()
            }
            _ = try await world.sync("s3://\(world.bucket)/pg", ["--delete_mode", "UNREGISTER"])
            #expect(try await world.catalog().children(of: world.world.target).objects.count == 1_060)
            let deleted = ["pg/f0000", "pg/f0500", "pg/f0999", "pg/f1000", "pg/f1059"]
            for key in deleted { try await world.client.deleteObject(bucket: world.bucket, key: key) }

            _ = try await world.sync("s3://\(world.bucket)/pg", ["--delete_mode", "UNREGISTER"])

            let children = try await world.catalog().children(of: world.world.target)
            #expect(children.objects.count == 1_060 - deleted.count)
            #expect(Set(children.objects).isDisjoint(with: deleted.map { String($0.dropFirst(3)) }))
            #expect(children.collections == ["sub"])
        }

        @Test(arguments: ["TRASH", "NO_TRASH"])
        func aVanishedFilesCopyInAnS3ResourceIsTrashedOrRemoved(_ mode: String) async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try Self.configureArchive(world)
            _ = try TreeBuilder.write(world.world.source.path, "gone.txt", "bytes to keep or drop")
            _ = try TreeBuilder.write(world.world.source.path, "kept.txt", "k")
            let options = ["start", world.world.source.path, world.world.target, "--operation", "PUT_SYNC", "--to_resource", "archive",
                           "--delete_mode", mode, "--synchronous", "--job_name", "del"]
            #expect(try await world.world.ingest.run(options).status == 0)
            try FileManager.default.removeItem(atPath: world.world.source.subpath("gone.txt"))

            let second = try await world.world.ingest.run(options)

            #expect(second.status == 0, "\(second.stderr)")
            let keys = try await world.client.listObjectsV2(bucket: world.bucket).objects.map(\.key)
            let copy = "vault" + world.world.target + "/gone.txt"
            #expect(!keys.contains(copy), "\(keys)")
            #expect(keys.contains("vault" + world.world.target + "/kept.txt"))
            let trashed = keys.filter { $0.hasPrefix("vault/tempZone/trash/") && $0.hasSuffix("/gone.txt") }
            #expect(trashed.count == (mode == "TRASH" ? 1 : 0), "\(keys)")
            #expect(try await world.catalog().dataObject(at: world.world.target + "/gone.txt") == nil)
        }

        @Test func unregisterRemovesObjectsDeletedFromTheBucket() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try await world.put("d/stay.txt", "s")
            try await world.put("d/go.txt", "g")
            _ = try await world.sync("s3://\(world.bucket)/d", ["--delete_mode", "UNREGISTER"])
            try await world.client.deleteObject(bucket: world.bucket, key: "d/go.txt")

            _ = try await world.sync("s3://\(world.bucket)/d", ["--delete_mode", "UNREGISTER"])

            #expect(try await world.catalog().children(of: world.world.target).objects == ["stay.txt"])
        }

        @Test func putSyncCopiesObjectsIntoAVaultAndCopiesAChangedOneAgain() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            let vault = world.world.home.subpath("vault")
            try "resources:\n  - name: v\n    type: vault\n    path: \(vault)\n".write(
                toFile: world.world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
            try await world.put("c/one.txt", "first bytes")
            try await world.put("c/dir/two.txt", "second")

            _ = try await world.sync("s3://\(world.bucket)/c", ["--operation", "PUT_SYNC", "--to_resource", "v", "--checksum", "sha256"])
            try await world.put("c/one.txt", "first bytes, changed")
            _ = try await world.sync("s3://\(world.bucket)/c", ["--operation", "PUT_SYNC", "--to_resource", "v", "--checksum", "sha256"])

            let one = try #require(try await world.catalog().dataObject(at: world.world.target + "/one.txt"))
            let copy = try #require(one.replicas.first?.physicalPath)
            #expect(copy.hasPrefix(vault + "/"))
            #expect(try String(contentsOfFile: copy, encoding: .utf8) == "first bytes, changed")
            #expect(one.replicas.first?.checksum?.hasPrefix("sha2:") == true)
            let two = try #require(try await world.catalog().dataObject(at: world.world.target + "/dir/two.txt"))
            #expect(try String(contentsOfFile: try #require(two.replicas.first?.physicalPath), encoding: .utf8) == "second")
        }

        @Test func aDirectoryIsCopiedIntoAnS3ResourceAndFoundUnchangedNextPass() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try Self.configureArchive(world)
            _ = try TreeBuilder.write(world.world.source.path, "a.txt", "to the bucket")
            _ = try TreeBuilder.write(world.world.source.path, "sub/b.txt", "b")
            let options = ["start", world.world.source.path, world.world.target, "--operation", "PUT_SYNC", "--to_resource", "archive",
                           "--synchronous", "--job_name", "up"]

            let first = try await world.world.ingest.run(options)
            #expect(first.status == 0, "\(first.stderr)")
            let second = try await world.world.ingest.run(options)
            #expect(second.status == 0, "\(second.stderr)")

            let key = "vault" + world.world.target + "/a.txt"
            let stored = try await world.client.getObject(bucket: world.bucket, key: key).body.collect(upTo: 1 << 20)
            #expect(stored == Array("to the bucket".utf8))
            let a = try #require(try await world.catalog().dataObject(at: world.world.target + "/a.txt"))
            #expect(a.replicas.first?.physicalPath == "s3://\(world.bucket)/\(key)")
            let jobs = try #require(try await world.world.ingest.json(["list", "--json"]) as? [[String: Any]])
            let counters = try #require(jobs.first?["counters"] as? [String: Any])
            // Both files and both collections unchanged; not a byte sent again.
            #expect(counters["entries.unchanged"] as? Int == 4, "\(counters)")
            #expect(counters["bytes.copied"] == nil, "\(counters)")
        }

        /// Configures the s3 resource `archive` under the prefix `vault` of the world's bucket.
        static func configureArchive(_ world: BucketWorld) throws {
            let credentials = world.world.home.subpath("s3-keys")
            try "\(world.server.credentials.accessKeyID)\n\(world.server.credentials.secretAccessKey)\n".write(
                toFile: credentials, atomically: true, encoding: .utf8)
            try """
                resources:
                  - name: archive
                    type: s3
                    bucket: \(world.bucket)
                    path: vault
                    endpoint: http://\(world.server.endpoint.host):\(world.server.endpoint.port ?? 80)
                    region: us-east-1
                    credentials: \(credentials)
                """.write(toFile: world.world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
        }

        /// A worker killed while it uploads a large file's parts leaves no object under the real key;
        /// the task is delivered again, its new upload aborts the one left behind, and completes.
        @Test func aWorkerKilledMidMultipartLeavesNoHalfObjectAndTheRerunCompletes() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try Self.configureArchive(world)
            let size = 160 << 20
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
            try Data(bytes).write(to: URL(fileURLWithPath: world.world.source.subpath("big.bin")))
            let key = "vault" + world.world.target + "/big.bin"
            let started = try await world.world.ingest.run([
                "start", world.world.source.path, world.world.target, "--operation", "PUT_SYNC", "--to_resource", "archive", "--job_name", "big",
            ])
            #expect(started.status == 0, "\(started.stderr)")

            let doomed = try world.world.ingest.launch(["worker", "-c", "2", "--lease_seconds", "1"])
            // Also when the test fails early: a worker left running would hold the test run's output open.
            defer { doomed.stop(with: SIGKILL) }
            let deadline = Date().addingTimeInterval(120)
            var partsSeen = 0
            while Date() < deadline, partsSeen == 0 {
                if let upload = try await world.client.listMultipartUploads(bucket: world.bucket).first(where: { $0.key == key }) {
                    partsSeen = try await world.client.listParts(bucket: world.bucket, key: key, uploadID: upload.uploadID).count
                }
                if partsSeen == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            doomed.stop(with: SIGKILL)
            #expect(partsSeen > 0, "the worker must be killed while its upload is under way")
            #expect(try await world.client.headObject(bucket: world.bucket, key: key) == nil, "no object under the real key")
            #expect(try await world.client.listMultipartUploads(bucket: world.bucket).contains { $0.key == key }, "the cut-off upload is left")

            let survivor = try world.world.ingest.launch(["worker", "-c", "2", "--lease_seconds", "1"])
            defer { survivor.stop(with: SIGKILL) }
            let status = try await world.world.waitForJob("big") { $0.state.isTerminal }
            survivor.stopWorker()

            #expect(status.state == .completed, "\(status)")
            let stored = try #require(try await world.client.headObject(bucket: world.bucket, key: key))
            #expect(stored.size == Int64(size))
            #expect(try await world.client.listMultipartUploads(bucket: world.bucket).isEmpty, "the cut-off upload was aborted")
            let download = try await world.client.getObject(bucket: world.bucket, key: key).body.collect(upTo: size)
            #expect(download == bytes)
        }

        /// Two worker processes on Redis and PostgreSQL share a bucket's listing pages and batches.
        @Test func twoWorkersOnRedisAndPostgreSQLSyncABucket() async throws {
            try await PostgresTestDatabase.withFreshDatabase { catalogURL in
                let world = try await BucketWorld(backend: .redis)
                defer { Task { await world.close() } }
                world.world.usePostgres(catalogURL)
                let keys = (0..<1_300).map { "shared/d\($0 % 3)/f\($0)" } + (0..<20).map { "shared/top\($0)" }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for slice in keys.chunked(into: 170) {
                        group.addTask { for key in slice { try await world.put(key, key) } }
                    }
                    try await group.waitForAll()
                }
                let started = try await world.world.ingest.run(
                    ["start", "s3://\(world.bucket)/shared", world.world.target, "--job_name", "two", "--files_per_task", "25"]
                        + world.endpointOptions)
                #expect(started.status == 0, "\(started.stderr)")
                var workers: [Process] = []
                defer { for worker in workers { worker.stopWorker() } }
                for _ in 0..<2 { workers.append(try world.world.ingest.launch(["worker", "-c", "4"])) }

                let status = try await world.world.waitForJob("two", timeout: 180) { $0.state.isTerminal }

                #expect(status.state == .completed)
                #expect(status.counter(Counter.entriesFailed) == 0)
                let objects = try await world.world.objects(under: world.world.target)
                #expect(objects.count == keys.count)
                #expect(Set(objects.map(\.path)) == Set(keys.map { world.world.target + "/" + $0.dropFirst("shared/".count) }))
            }
        }

        @Test func verifyChecksCopiesInAnS3ResourceAndObjectsRegisteredFromABucket() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            try Self.configureArchive(world)
            _ = try TreeBuilder.write(world.world.source.path, "same.txt", "same bytes")
            _ = try TreeBuilder.write(world.world.source.path, "tampered.txt", "original!")
            let copied = try await world.world.ingest.run([
                "start", world.world.source.path, world.world.target + "/copies", "--operation", "PUT_SYNC", "--to_resource", "archive",
                "--checksum", "sha256", "--synchronous",
            ])
            #expect(copied.status == 0, "\(copied.stderr)")
            try await world.put("reg/kept.txt", "kept")
            try await world.put("reg/gone.txt", "gone")
            _ = try await world.sync("s3://\(world.bucket)/reg", ["--job_name", "reg"])
            let clean = try await world.world.ingest.run(["verify", world.world.target] + world.endpointOptions)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stdout.contains("4 replicas"), "\(clean.stdout)")

            try await world.put("vault" + world.world.target + "/copies/tampered.txt", "changed!!")
            try await world.client.deleteObject(bucket: world.bucket, key: "reg/gone.txt")
            let dirty = try await world.world.ingest.run(["verify", world.world.target] + world.endpointOptions)

            #expect(dirty.status == 1)
            #expect(dirty.stdout.contains("copies/tampered.txt [archive]"), "\(dirty.stdout)")
            #expect(dirty.stdout.contains("checksum differs"), "\(dirty.stdout)")
            #expect(dirty.stdout.contains("gone.txt") && dirty.stdout.contains("missing"), "\(dirty.stdout)")
            #expect(!dirty.stdout.contains("same.txt"), "\(dirty.stdout)")
        }

        @Test func wrongKeysAreRefusedAtStartNamingTheSettingAndQueueNothing() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            // moto checks signatures only with its authentication on; the Ceph gateway always does.
            let rgw = try S3TestServer.rgw()
            world.world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = rgw.credentials.accessKeyID
            world.world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
            let result = try await world.world.ingest.run([
                "start", "s3://\(world.bucket)/x", world.world.target, "--job_name", "bad",
                "--s3_endpoint_domain", "\(rgw.endpoint.host):\(rgw.endpoint.port ?? 80)", "--s3_insecure_connection",
            ])

            #expect(result.status != 0)
            #expect(result.stderr.contains("AWS_SECRET_ACCESS_KEY") || result.stderr.contains("--s3_keypair"), "\(result.stderr)")
            #expect(!result.stderr.contains("not-the-secret"))
            let jobs = try #require(try await world.world.ingest.json(["list", "--json"]) as? [[String: Any]])
            #expect(jobs.isEmpty)
        }

        @Test func aMissingBucketIsRefusedAtStartNamingIt() async throws {
            let world = try await BucketWorld()
            defer { Task { await world.close() } }
            let result = try await world.world.ingest.run(
                ["start", "s3://no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())/x", world.world.target] + world.endpointOptions)

            #expect(result.status != 0)
            #expect(result.stderr.contains("no-such-bucket"), "\(result.stderr)")
            #expect(result.stderr.contains("does not exist"), "\(result.stderr)")
        }
    }
}
