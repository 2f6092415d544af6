import Foundation
import IngestCore
import IngestRedis
import IngestTesting
import Testing

extension CommandLineTests {
    /// `rediss://` brokers from the command line: the URL's TLS parameters, the flags and the variables.
    @Suite struct RedisTLSCLITests {
        @Test func aWorkerSyncsThroughATLSBrokerNamedByURL() async throws {
            let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
            let url = try server.url
            let world = try CLIWorld()
            world.followRedis(url)
            let files = try TreeBuilder.grid(world.source.path, directories: 4, filesPerDirectory: 5)
            let connection = ["--broker", url.unredacted, "--key_prefix", world.keyPrefix]
            #expect(url.unredacted.contains("?ssl_ca_certs="))

            let start = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "tls", "--files_per_task", "5"] + connection)
            #expect(start.status == 0, "\(start.stderr)")
            let worker = try world.ingest.launch(["worker", "-c", "2"] + connection)
            defer { worker.stopWorker() }
            let status = try await world.waitForJob("tls") { $0.state.isTerminal }
            #expect(status.state == .completed)
            #expect(try await world.objects(under: world.target).count == files.count)
        }

        @Test func theCAFileCanComeFromTheFlagOrTheEnvironment() async throws {
            let certificates = try TestCertificates()
            let server = try PrivateRedisServer(tls: .init(certificates: certificates))
            let world = try CLIWorld()
            let bare = "rediss://127.0.0.1:\(server.port)/0"

            let refused = try await world.ingest.run(["list", "--broker", bare])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("does not verify for host '127.0.0.1'"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--redis_ssl_ca_certs"), "\(refused.stderr)")

            let viaFlag = try await world.ingest.run(["list", "--broker", bare, "--redis_ssl_ca_certs", certificates.caCertificate])
            #expect(viaFlag.status == 0, "\(viaFlag.stderr)")

            var viaEnvironment = world.ingest
            viaEnvironment.extraEnvironment["REDIS_SSL_CA_CERTS"] = certificates.caCertificate
            let listed = try await viaEnvironment.run(["list", "--broker", bare])
            #expect(listed.status == 0, "\(listed.stderr)")

            // The URL wins over the variable.
            let wrongCA = try await viaEnvironment.run(["list", "--broker", bare + "?ssl_ca_certs=" + certificates.otherCACertificate])
            #expect(wrongCA.status != 0)

            let insecure = try await world.ingest.run(["list", "--broker", bare, "--redis_ssl_cert_reqs", "none"])
            #expect(insecure.status == 0, "\(insecure.stderr)")
        }

        @Test func aClientCertificateFromTheFlagsSatisfiesAServerThatRequiresOne() async throws {
            let certificates = try TestCertificates()
            let server = try PrivateRedisServer(tls: .init(certificates: certificates, requiresClientCertificates: true))
            let world = try CLIWorld()
            let broker = "rediss://127.0.0.1:\(server.port)/0?ssl_ca_certs=\(certificates.caCertificate)"

            let anonymous = try await world.ingest.run(["list", "--broker", broker])
            #expect(anonymous.status != 0)
            #expect(anonymous.stderr.contains("tls-auth-clients"), "\(anonymous.stderr)")

            let identified = try await world.ingest.run([
                "list", "--broker", broker, "--redis_ssl_certfile", certificates.clientCertificate, "--redis_ssl_keyfile",
                certificates.clientKey,
            ])
            #expect(identified.status == 0, "\(identified.stderr)")
        }

        @Test func aTLSFlagForAPlainBrokerIsRefused() async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run([
                "list", "--broker", "redis://:hunter2@127.0.0.1:1/0", "--redis_ssl_ca_certs", "/etc/ssl/ca.pem",
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("rediss://"), "\(result.stderr)")
            #expect(!result.stderr.contains("hunter2"))
        }
    }
}
