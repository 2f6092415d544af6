import IngestS3
import Testing

@Suite struct S3EndpointTests {
    @Test func aURLGivesSchemeHostAndPort() throws {
        let endpoint = try S3Endpoint(url: "http://127.0.0.1:9000", region: "eu-west-1")
        #expect(endpoint.scheme == "http")
        #expect(endpoint.host == "127.0.0.1")
        #expect(endpoint.port == 9000)
        #expect(endpoint.region == "eu-west-1")
        #expect(endpoint.description == "http://127.0.0.1:9000")
    }

    @Test func theDomainFormDefaultsToHTTPS() throws {
        let endpoint = try S3Endpoint(domain: "s3.example.org")
        #expect(endpoint.description == "https://s3.example.org")
        #expect(try S3Endpoint(domain: "minio.local:9000", useHTTP: true).description == "http://minio.local:9000")
    }

    @Test func theDomainFormRefusesASchemeNamingTheOption() {
        #expect(throws: S3EndpointError.self) { try S3Endpoint(domain: "https://s3.example.org") }
        let error = try? #require(throws: S3EndpointError.self) { try S3Endpoint(domain: "https://s3.example.org") }
        #expect(error?.description.contains("--s3_endpoint_domain") == true)
    }

    @Test func credentialsInTheURLAreRefused() {
        #expect(throws: S3EndpointError.self) { try S3Endpoint(url: "https://key:secret@s3.example.org") }
    }

    @Test func pathStylePutsTheBucketInThePath() throws {
        let endpoint = try S3Endpoint(url: "http://127.0.0.1:9000")
        let location = endpoint.location(bucket: "photos", key: "2024/a b+c.jpg")
        #expect(location.authority == "127.0.0.1:9000")
        #expect(location.url() == "http://127.0.0.1:9000/photos/2024/a%20b%2Bc.jpg")
        #expect(endpoint.location(bucket: "photos", key: nil).url(query: [("list-type", "2")]) == "http://127.0.0.1:9000/photos?list-type=2")
    }

    @Test func virtualHostStylePutsTheBucketInTheHost() throws {
        let endpoint = try S3Endpoint(url: "https://s3.eu-west-1.amazonaws.com", addressing: .virtualHost)
        let location = endpoint.location(bucket: "photos", key: "a/b")
        #expect(location.authority == "photos.s3.eu-west-1.amazonaws.com")
        #expect(location.url() == "https://photos.s3.eu-west-1.amazonaws.com/a/b")
        #expect(endpoint.location(bucket: "photos", key: nil).path == "/")
    }

    @Test func theDefaultPortIsLeftOutOfTheHostHeader() throws {
        #expect(try S3Endpoint(url: "https://s3.example.org:443").location(bucket: "b", key: nil).authority == "s3.example.org")
    }

    @Test func anIPv6HostIsBracketed() throws {
        #expect(try S3Endpoint(url: "http://[::1]:9000").location(bucket: "b", key: nil).authority == "[::1]:9000")
    }

    @Test func aProxyURLGivesHostAndPort() throws {
        let endpoint = try S3Endpoint(url: "https://s3.example.org", proxyURL: "http://proxy.local:3128")
        #expect(endpoint.proxy == S3Endpoint.Proxy(host: "proxy.local", port: 3128))
        #expect(throws: S3EndpointError.self) { try S3Endpoint(url: "https://s3.example.org", proxyURL: "socks5://proxy.local") }
    }
}
