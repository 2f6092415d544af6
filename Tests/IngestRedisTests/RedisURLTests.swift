import IngestRedis
import Testing

@Suite("Parsing Redis URLs")
struct RedisURLTests {
    @Test func hostAloneGetsDefaultPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://cache.local")
        #expect(url == RedisURL(host: "cache.local", port: 6379, database: 0))
    }

    @Test func readsPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://127.0.0.1:6390/3")
        #expect(url.host == "127.0.0.1" && url.port == 6390 && url.database == 3)
    }

    @Test func passwordWithoutUserUsesTheDefaultUser() throws {
        let url = try RedisURL(parsing: "redis://:s3cret@host:6379/0")
        #expect(url.username == nil && url.password == "s3cret")
    }

    @Test func readsUserAndPassword() throws {
        let url = try RedisURL(parsing: "redis://ingest:s3cret@host/1")
        #expect(url.username == "ingest" && url.password == "s3cret" && url.database == 1)
    }

    @Test func decodesPercentEncodedCredentials() throws {
        let url = try RedisURL(parsing: "redis://:p%40ss%3Aw%2Fd@host")
        #expect(url.password == "p@ss:w/d")
    }

    @Test func rawAtSignInPasswordSplitsAtTheLastOne() throws {
        let url = try RedisURL(parsing: "redis://:a@b@host:1234")
        #expect(url.password == "a@b" && url.host == "host" && url.port == 1234)
    }

    @Test func bracketedIPv6Host() throws {
        let url = try RedisURL(parsing: "redis://[::1]:6380/2")
        #expect(url.host == "::1" && url.port == 6380 && url.database == 2)
        #expect(url.redacted == "redis://[::1]:6380/2")
    }

    @Test func redissMeansTLS() throws {
        #expect(try RedisURL(parsing: "rediss://host").usesTLS)
        #expect(try !RedisURL(parsing: "redis://host").usesTLS)
    }

    @Test func redissReadsRedisPysTLSParameters() throws {
        let url = try RedisURL(
            parsing: "rediss://:s3cret@cache.local:6380/2?ssl_ca_certs=/etc/redis/ca%20bundle.pem"
                + "&ssl_certfile=/etc/redis/client.pem&ssl_keyfile=/etc/redis/client.key&ssl_check_hostname=false")
        #expect(url.host == "cache.local" && url.port == 6380 && url.database == 2 && url.password == "s3cret")
        #expect(url.tls.caCertificatesFile == "/etc/redis/ca bundle.pem")
        #expect(url.tls.certificateFile == "/etc/redis/client.pem")
        #expect(url.tls.keyFile == "/etc/redis/client.key")
        #expect(url.tls.certificateRequirement == .required)
        #expect(!url.tls.checksHostname)
        #expect(try RedisURL(parsing: url.unredacted) == url)
        #expect(url.redacted.contains("ssl_ca_certs=/etc/redis/ca%20bundle.pem"))
        #expect(!url.redacted.contains("s3cret"))
    }

    @Test(
        "ssl_cert_reqs takes redis-py's and Python's spellings",
        arguments: [
            ("none", RedisTLSOptions.CertificateRequirement.none), ("CERT_NONE", .none), ("optional", .required),
            ("required", .required), ("CERT_REQUIRED", .required),
        ])
    func certificateRequirementSpellings(text: String, expected: RedisTLSOptions.CertificateRequirement) throws {
        let url = try RedisURL(parsing: "rediss://host?ssl_cert_reqs=\(text)")
        #expect(url.tls.certificateRequirement == expected)
        #expect(try RedisURL(parsing: url.unredacted) == url)
    }

    @Test func aQueryDoesNotSwallowARawQuestionMarkInThePassword() throws {
        let url = try RedisURL(parsing: "rediss://:pa?ss@host:1/0?ssl_cert_reqs=none")
        #expect(url.password == "pa?ss" && url.host == "host" && url.tls.certificateRequirement == .none)
    }

    @Test func trailingSlashMeansDatabaseZero() throws {
        #expect(try RedisURL(parsing: "redis://host/").database == 0)
    }

    @Test func descriptionMasksThePassword() throws {
        let url = try RedisURL(parsing: "redis://ingest:s3cret@host:6379/0")
        #expect(url.description == "redis://ingest:***@host:6379/0")
        #expect(!"\(url)".contains("s3cret"))
    }

    @Test(
        "rejects malformed URLs with a message naming the URL without its password",
        arguments: [
            ("http://:s3cret@host", "redis://"),
            ("host:6379", "no scheme"),
            ("redis://:s3cret@host:99999", "1 to 65535"),
            ("redis://:s3cret@host:abc", "port"),
            ("redis://u:s3cret/x@host", "%2F"),
            ("redis://u:s3cret?x@host:abc", "port"),
            ("redis://:s3cret@host/db1", "database number"),
            ("redis://:s3cret@host/-1", "database number"),
            ("redis://:s3cret@", "no host"),
            ("redis://:s3cret@host?db=1", "query parameter 'db'"),
            ("rediss://:s3cret@host?ssl_verify=no", "ssl_ca_certs, ssl_certfile"),
            ("redis://:s3cret@host?ssl_ca_certs=/ca.pem", "rediss://"),
            ("rediss://:s3cret@host?ssl_cert_reqs=maybe", "required or none"),
            ("rediss://:s3cret@host?ssl_check_hostname=perhaps", "true or false"),
            ("rediss://:s3cret@host?ssl_ca_certs=", "a file path"),
            ("rediss://:s3cret@host?ssl_keyfile=/k.pem", "give ssl_certfile too"),
            ("rediss://:s3cret@host?ssl_cert_reqs=none&ssl_cert_reqs=none", "more than once"),
            ("redis://:s3cret@host/0#frag", "fragment"),
            ("redis://s3cret@host", "redis://:password@host"),
            ("redis://:s3cret@[::1", "IPv6"),
        ])
    func rejectsMalformed(url: String, hint: String) {
        do {
            _ = try RedisURL(parsing: url)
            Issue.record("\(url) parsed")
        } catch {
            #expect(error.description.contains(hint), "\(error)")
            #expect(!error.description.contains("s3cret"), "\(error)")
        }
    }
}
