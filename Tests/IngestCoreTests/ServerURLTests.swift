import IngestCore
import Testing

/// The authority rule Redis and PostgreSQL URLs share.
@Suite struct ServerURLTests {
    @Test func everyPartIsSplitAndDecoded() throws {
        let url = try ServerURL(parsing: "Redis://us%40er:p%3Ass@cache.local:6380/2?ssl_cert_reqs=none")
        #expect(url.scheme == "redis" && url.user == "us@er" && url.password == "p:ss")
        #expect(url.host == "cache.local" && url.port == 6380 && url.path == "/2" && url.query == "ssl_cert_reqs=none")
    }

    @Test func rawAtQuestionMarkAndHashInAPasswordStayInThePassword() throws {
        let url = try ServerURL(parsing: "postgres://u:a@b?c@db:1234/catalog?sslmode=require")
        #expect(url.password == "a@b?c" && url.host == "db" && url.port == 1234 && url.query == "sslmode=require")
        let hashed = try ServerURL(parsing: "redis://:a#b@cache:6380/1")
        #expect(hashed.password == "a#b" && hashed.host == "cache" && hashed.port == 6380 && hashed.path == "/1")
    }

    @Test func bracketedIPv6HostWithAndWithoutPort() throws {
        #expect(try ServerURL(parsing: "redis://[::1]:6390/0").host == "::1")
        #expect(try ServerURL(parsing: "redis://[::1]:6390/0").port == 6390)
        #expect(try ServerURL(parsing: "postgres://u@[fe80::1]/db").port == nil)
    }

    @Test(arguments: [
        ("host:6379", ServerURL.Problem.missingScheme),
        ("redis://::1/0", .unbracketedIPv6),
        ("postgres://u@fe80::1:5432/db", .unbracketedIPv6),
        ("redis://[::1/0", .unclosedIPv6),
        ("redis://[::1]x/0", .textAfterIPv6),
        ("redis://:pw@:6379/0", .missingHost),
        ("redis://host:0/0", .invalidPort("0")),
        ("redis://host:65536/0", .invalidPort("65536")),
        ("redis://u:pa/ss@host/0", .slashInCredentials),
        ("redis://host/0#frag", .fragment),
        ("redis://u:%ZZ@host/0", .invalidPercentEncoding(part: "password")),
    ])
    func malformedURLsNameTheirProblem(_ text: String, _ problem: ServerURL.Problem) {
        #expect(throws: problem) { try ServerURL(parsing: text) }
    }
}
