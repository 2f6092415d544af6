import Foundation
import IngestCore
import IngestRedis
import IngestTesting
import Testing

extension CommandLineTests {
    /// A `rediss://` broker whose certificate checks the user turned off or down is named in one
    /// warning on standard error, with the setting that did it; full checks print none.
    @Suite struct RedisTLSWarningCLITests {
        /// The warning lines of a command's standard error.
        private func warnings(_ stderr: String) -> [Substring] {
            stderr.split(separator: "\n").filter { $0.lowercased().contains("warning") }
        }

        @Test func certificateChecksTurnedOffInTheURLAreWarnedAboutOnceAndTheJobStillRuns() async throws {
            let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
            let world = try CLIWorld()
            world.followRedis(try server.url)
            let files = try TreeBuilder.grid(world.source.path, directories: 2, filesPerDirectory: 3)
            // No CA given: the server's certificate verifies only when it is not checked.
            let broker = "rediss://127.0.0.1:\(server.port)/0?ssl_cert_reqs=none"

            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--job_name", "unchecked", "--synchronous", "--broker", broker,
                "--key_prefix", world.keyPrefix,
            ])

            #expect(start.status == 0, "\(start.stderr)")
            #expect(try await world.broker().job(named: "unchecked")?.state == .completed)
            #expect(try await world.objects(under: world.target).count == files.count)
            let lines = warnings(start.stderr)
            #expect(lines.count == 1, "\(start.stderr)")
            #expect(lines.first?.contains("certificate is not checked (ssl_cert_reqs=none in the URL)") == true, "\(start.stderr)")
            #expect(lines.first?.contains("127.0.0.1:\(server.port)") == true, "\(start.stderr)")
        }

        @Test func theHostNameCheckTurnedOffInTheURLIsWarnedAbout() async throws {
            let certificates = try TestCertificates(serverNames: ["DNS:redis.internal"])
            let server = try PrivateRedisServer(tls: .init(certificates: certificates))
            let world = try CLIWorld()
            let verified = "rediss://127.0.0.1:\(server.port)/0?ssl_ca_certs=\(certificates.caCertificate)"
            // The certificate names another host, so only the host name check stands in the way.
            let refused = try await world.ingest.run(["list", "--broker", verified])
            #expect(refused.status != 0, "\(refused.stderr)")

            let unmatched = try await world.ingest.run(["list", "--broker", verified + "&ssl_check_hostname=false"])

            #expect(unmatched.status == 0, "\(unmatched.stderr)")
            let lines = warnings(unmatched.stderr)
            #expect(lines.count == 1, "\(unmatched.stderr)")
            #expect(lines.first?.contains("not matched to its host name (ssl_check_hostname=false in the URL)") == true, "\(unmatched.stderr)")
        }

        @Test func certificateChecksTurnedOffByTheFlagOrAVariableAreWarnedAboutNamingIt() async throws {
            let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
            let world = try CLIWorld()
            let bare = "rediss://127.0.0.1:\(server.port)/0"

            let viaFlag = try await world.ingest.run(["list", "--broker", bare, "--redis_ssl_cert_reqs", "none"])
            #expect(viaFlag.status == 0, "\(viaFlag.stderr)")
            #expect(warnings(viaFlag.stderr).count == 1, "\(viaFlag.stderr)")
            #expect(warnings(viaFlag.stderr).first?.contains("not checked (--redis_ssl_cert_reqs none)") == true, "\(viaFlag.stderr)")

            // A variable left in the environment is the case nothing else would show.
            var leftBehind = world.ingest
            leftBehind.extraEnvironment["REDIS_SSL_CERT_REQS"] = "CERT_NONE"
            let viaVariable = try await leftBehind.run(["list", "--broker", bare])
            #expect(viaVariable.status == 0, "\(viaVariable.stderr)")
            #expect(warnings(viaVariable.stderr).count == 1, "\(viaVariable.stderr)")
            #expect(
                warnings(viaVariable.stderr).first?.contains("not checked (REDIS_SSL_CERT_REQS=CERT_NONE in the environment)") == true,
                "\(viaVariable.stderr)")
        }

        @Test func aFullyVerifiedBrokerPrintsNoWarning() async throws {
            let certificates = try TestCertificates()
            let server = try PrivateRedisServer(tls: .init(certificates: certificates))
            let world = try CLIWorld()
            let verified = try server.url.unredacted
            var withVariable = world.ingest
            withVariable.extraEnvironment["REDIS_SSL_CERT_REQS"] = "none"

            // redis-py's `optional` checks a server's certificate as `required` does; the URL wins over the variable.
            for (ingest, broker) in [
                (world.ingest, verified), (world.ingest, verified + "&ssl_cert_reqs=required&ssl_check_hostname=true"),
                (world.ingest, verified + "&ssl_cert_reqs=optional"), (withVariable, verified + "&ssl_cert_reqs=required"),
            ] {
                let result = try await ingest.run(["list", "--broker", broker])
                #expect(result.status == 0, "\(broker): \(result.stderr)")
                #expect(warnings(result.stderr).isEmpty, "\(broker): \(result.stderr)")
            }
            let optionalWithTheWrongCA = try await world.ingest.run([
                "list", "--broker", "rediss://127.0.0.1:\(server.port)/0?ssl_cert_reqs=optional&ssl_ca_certs=\(certificates.otherCACertificate)",
            ])
            #expect(optionalWithTheWrongCA.status != 0, "optional still verifies the certificate")
            #expect(warnings(optionalWithTheWrongCA.stderr).isEmpty, "\(optionalWithTheWrongCA.stderr)")
        }

        @Test func theWarningNeverShowsThePassword() async throws {
            let secret = "Secret-\(UUID().uuidString.prefix(8))"
            // Characters that the URL must percent-encode, so that neither spelling may appear.
            let password = "p:a/s@s?\(secret)"
            let server = try PrivateRedisServer(
                extraArguments: ["--requirepass", password], tls: .init(certificates: TestCertificates()))
            let world = try CLIWorld()

            for username in [nil, "default"] {
                var url = try RedisURL(parsing: "rediss://127.0.0.1:\(server.port)/0?ssl_cert_reqs=none")
                url.username = username
                url.password = password
                let result = try await world.ingest.run(["list", "--broker", url.unredacted])

                #expect(result.status == 0, "\(result.stderr)")
                let lines = warnings(result.stderr)
                #expect(lines.count == 1, "\(result.stderr)")
                #expect(lines.first?.contains("rediss://\(username ?? ""):***@127.0.0.1:\(server.port)/0") == true, "\(result.stderr)")
                #expect(!result.stderr.contains(secret), "\(result.stderr)")
                #expect(!result.stdout.contains(secret))
            }
        }
    }
}
