import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// iRODS automated ingest event handler files, run by `ingest` as users write them.
    @Suite struct EventHandlerCLITests {
        private func write(_ text: String, in world: CLIWorld, name: String = "handler.py") throws -> String {
            let path = world.home.subpath(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// The example of the issue, as upstream documents handlers.
        static let upstreamHandler = """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import Operation, DeleteMode
            class event_handler(Core):
                @staticmethod
                def operation(session, meta, **options):
                    return Operation.PUT_SYNC if meta["path"].endswith(".fits") else Operation.REGISTER_SYNC

                @staticmethod
                def to_resource(session, meta, **options):
                    return "archive" if meta["path"].endswith(".fits") else None

                @staticmethod
                def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    session.data_objects.get(meta["target"]).metadata.add("source", meta["path"], "")
                    logger.info("registered", extra_field="yes")
            """

        @Test func anUpstreamHandlerChoosesTheOperationAndItsMetadataShowsInStat() async throws {
            let world = try CLIWorld()
            let vault = world.home.subpath("vault")
            try "resources:\n  - name: archive\n    type: vault\n    path: \(vault)\n".write(
                toFile: world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
            try TreeBuilder.write(world.source.path, "image.fits", "pixels")
            try TreeBuilder.write(world.source.path, "notes.txt", "text")
            let handler = try write(Self.upstreamHandler, in: world)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--event_handler", handler, "--synchronous", "--job_name", "handled",
            ])
            #expect(start.status == 0, "\(start.stdout)\n\(start.stderr)")
            let stat = try await world.ingest.json(["stat", world.target + "/image.fits"]) as? [String: Any]
            let replicas = stat?["replicas"] as? [[String: Any]]
            #expect(replicas?.first?["resource"] as? String == "archive", "\(String(describing: stat))")
            let metadata = stat?["metadata"] as? [[String: Any]]
            #expect(metadata?.contains { $0["attribute"] as? String == "source" && $0["value"] as? String == world.source.subpath("image.fits") } == true,
                    "\(String(describing: metadata))")
            let notes = try await world.ingest.json(["stat", world.target + "/notes.txt"]) as? [String: Any]
            #expect((notes?["replicas"] as? [[String: Any]])?.first?["physical_path"] as? String == world.source.subpath("notes.txt"))
        }

        @Test func aHandlerWithASyntaxErrorIsRefusedBeforeAnythingIsQueued() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let handler = try write("from irods_capability_automated_ingest.core import Core\nclass event_handler(Core)\n    pass\n", in: world, name: "broken.py")
            let start = try await world.ingest.run(["start", world.source.path, world.target, "--event_handler", handler, "--job_name", "broken"])
            #expect(start.status == 64, "\(start.stdout)\n\(start.stderr)")
            #expect(start.stderr.contains("--event_handler"))
            #expect(start.stderr.contains("broken.py") && start.stderr.contains("line 2"), "\(start.stderr)")
            #expect(try await world.broker().job(named: "broken") == nil, "nothing was queued")
        }

        @Test func anOperationThatDoesNotFitTheDeleteModeIsRefusedAtStart() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let handler = try write(Self.upstreamHandler, in: world)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--event_handler", handler, "--operation", "REGISTER_SYNC", "--delete_mode", "TRASH",
            ])
            #expect(start.status == 64)
            #expect(start.stderr.contains("TRASH") && start.stderr.contains("REGISTER_SYNC"), "\(start.stderr)")
        }

        @Test func twoWorkersOnRedisAndPostgreSQLRunOneHandlerAndShareItsCounter() async throws {
            try await PostgresTestDatabase.withFreshDatabase { catalogURL in
                let world = try CLIWorld(backend: .redis)
                world.usePostgres(catalogURL)
                let files = try TreeBuilder.grid(world.source.path, directories: 6, filesPerDirectory: 20)
                let handler = try write("""
                    from irods_capability_automated_ingest.core import Core
                    from irods_capability_automated_ingest.redis_utils import get_redis
                    class event_handler(Core):
                        @staticmethod
                        def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                            count = get_redis(meta["config"]).incr("created")
                            session.data_objects.get(meta["target"]).metadata.add("order", str(count), "")
                        @staticmethod
                        def post_job(hdlr_mod, logger, meta):
                            r = get_redis(meta["config"])
                            r.set("total_at_end", r.get("created"))
                    """, in: world)
                try await world.ingest.run([
                    "start", world.source.path, world.target, "--job_name", "shared", "--files_per_task", "7", "--event_handler", handler,
                ])
                // The handler file goes away: workers read its text from the job's record.
                try FileManager.default.removeItem(atPath: handler)
                let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "3"]) }
                defer { for worker in workers { worker.stopWorker() } }
                let status = try await world.waitForJob("shared") { $0.state.isTerminal }
                let failures = try await world.broker().failedTasks(job: "shared", queue: nil, limit: 3)
                #expect(status.state == .completed, "\(failures)")
                let objects = try await world.objects(under: world.target)
                #expect(objects.count == files.count)
                var orders = Set<String>()
                let catalog = try await world.catalog()
                for object in objects {
                    let record = try await catalog.dataObject(at: object.path)
                    if let order = record?.metadata.first(where: { $0.attribute == "order" })?.value { orders.insert(order) }
                }
                #expect(orders == Set((1...files.count).map(String.init)), "one counter across both workers: every value once")
                let total = try await world.broker().sharedValue(job: "shared", key: "total_at_end")
                #expect(total.map { String(decoding: $0, as: UTF8.self) } == String(files.count), "post_job ran after every object's hook")
                await world.closeCatalog()
            }
        }

        @Test func aPythonHostKilledMidBatchIsRestartedAndNothingIsLostOrDoneTwice() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 4, filesPerDirectory: 25)
            let marker = world.home.subpath("killed-once")
            let handler = try write("""
                import os, signal, time
                from irods_capability_automated_ingest.core import Core
                class event_handler(Core):
                    @staticmethod
                    def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                        session.data_objects.get(meta["target"]).metadata.add("hooked", "yes", "")
                        if meta["path"].endswith("dir2/file3.txt") and not os.path.exists("\(marker)"):
                            open("\(marker)", "w").close()
                            os.kill(os.getpid(), signal.SIGKILL)
                """, in: world)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--event_handler", handler, "--synchronous", "--job_name", "killed", "--files_per_task", "10",
            ])
            #expect(start.status == 0, "\(start.stdout)\n\(start.stderr)")
            #expect(FileManager.default.fileExists(atPath: marker), "the host was killed in the middle of a batch")
            let catalog = try await world.catalog()
            let objects = try await world.objects(under: world.target)
            #expect(objects.count == 100)
            for object in objects {
                let metadata = try await catalog.dataObject(at: object.path)?.metadata.filter { $0.attribute == "hooked" } ?? []
                #expect(metadata.count == 1, "\(object.path): \(metadata)")
            }
        }
    
        /// One task at a time: a worker runs one Python process per job, so with more at once the other
        /// entries' hooks would wait behind the sleeping one and could time out too.
        @Test func aHookThatSleepsPastItsTimeoutFailsItsTaskAndTheOthersSucceed() async throws {
            let world = try CLIWorld()
            for name in ["a.txt", "slow.txt", "c.txt"] { try TreeBuilder.write(world.source.path, name, name) }
            let handler = try write("""
                import time
                from irods_capability_automated_ingest.core import Core
                class event_handler(Core):
                    @staticmethod
                    def timeout(hdlr_mod, logger, meta):
                        return 2
                    @staticmethod
                    def pre_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                        if meta["path"].endswith("slow.txt"):
                            time.sleep(600)
                """, in: world)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--event_handler", handler, "--synchronous", "--job_name", "slow",
                "--files_per_task", "1", "-c", "1",
            ])
            #expect(start.status == 1, "the job ends failed: \(start.stdout)\n\(start.stderr)")
            let failed = try await world.broker().failedTasks(job: "slow", queue: nil, limit: 5)
            #expect(failed.map(\.key) == [world.source.subpath("slow.txt")])
            #expect(failed.first?.error.contains("timed out after 2") == true, "\(failed)")
            let objects = try await world.objects(under: world.target).map(\.path).sorted()
            #expect(objects == [world.target + "/a.txt", world.target + "/c.txt"], "the host was restarted for the other entries")
        }

        @Test func postJobRunsAfterEveryPassOfAPeriodicJob() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let handler = try write("""
                from irods_capability_automated_ingest.core import Core
                from irods_capability_automated_ingest.redis_utils import get_redis
                class event_handler(Core):
                    @staticmethod
                    def pre_job(hdlr_mod, logger, meta):
                        get_redis(meta["config"]).incr("pre_job")
                    @staticmethod
                    def post_job(hdlr_mod, logger, meta):
                        get_redis(meta["config"]).incr("post_job")
                """, in: world)
            try await world.ingest.run([
                "start", world.source.path, world.target, "--event_handler", handler, "--job_name", "periodic", "--interval", "0.5",
            ])
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stopWorker() }
            let broker = try world.broker()
            let deadline = Date().addingTimeInterval(120)
            var posts = 0
            while Date() < deadline {
                posts = Int(try await broker.sharedValue(job: "periodic", key: "post_job").map { String(decoding: $0, as: UTF8.self) } ?? "0") ?? 0
                if posts >= 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(posts >= 3, "post_job after each of three passes")
            try await world.ingest.run(["stop", "periodic"])
            let history = try await broker.history(job: "periodic")
            #expect(history.count >= 3)
            let pre = Int(try await broker.sharedValue(job: "periodic", key: "pre_job").map { String(decoding: $0, as: UTF8.self) } ?? "0") ?? 0
            #expect(pre >= posts, "pre_job at every restart, before its pass's post_job")
        }
    }
}
