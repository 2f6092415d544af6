import IngestCore

/// Where an S3 server is and how to address its buckets.
public struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// How a bucket appears in a request.
    public enum Addressing: String, Sendable, Equatable {
        /// `host/bucket/key`: works with any host name or IP address; what local servers expect.
        case path
        /// `bucket.host/key`: what AWS prefers; needs DNS for every bucket name.
        case virtualHost = "virtual-host"
    }

    /// An HTTP proxy every request goes through.
    public struct Proxy: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// `http` or `https`.
    public var scheme: String
    /// Without the brackets of an IPv6 address.
    public var host: String
    /// Nil for the scheme's default.
    public var port: Int?
    public var region: String
    public var addressing: Addressing
    /// PEM file of extra CA certificates to trust (a private CA), besides the system's.
    public var caFile: String?
    /// Skip TLS certificate verification: only for test servers with self-signed certificates.
    public var insecure: Bool
    public var proxy: Proxy?

    /// An endpoint from a URL such as `https://s3.example.org` or `http://127.0.0.1:9000`.
    /// - Parameters:
    ///   - url: `http` or `https`, a host, an optional port; no credentials, path or query.
    ///   - region: The region the server signs for (`us-east-1` when it doesn't care).
    ///   - proxyURL: `http://host:port` of an HTTP proxy.
    public init(
        url: String, region: String = "us-east-1", addressing: Addressing = .path, caFile: String? = nil, insecure: Bool = false,
        proxyURL: String? = nil
    ) throws(S3EndpointError) {
        let parsed: ServerURL
        do {
            parsed = try ServerURL(parsing: url)
        } catch {
            throw .invalidURL(url, reason: "\(error)")
        }
        guard parsed.scheme == "http" || parsed.scheme == "https" else {
            throw .invalidURL(url, reason: "the scheme must be http or https, not '\(parsed.scheme)'")
        }
        guard parsed.user == nil else { throw .invalidURL(url, reason: "credentials go in --s3_keypair or AWS_ACCESS_KEY_ID, not the URL") }
        guard parsed.path.isEmpty || parsed.path == "/", parsed.query.isEmpty else {
            throw .invalidURL(url, reason: "an endpoint has no path or query")
        }
        try self.init(
            scheme: parsed.scheme, host: parsed.host, port: parsed.port, region: region, addressing: addressing, caFile: caFile,
            insecure: insecure, proxyURL: proxyURL)
    }

    /// An endpoint from upstream's `--s3_endpoint_domain` form, `host[:port]`.
    /// - Parameters:
    ///   - domain: `s3.example.org`, `127.0.0.1:9000` or `[::1]:9000`.
    ///   - useHTTP: Plain HTTP instead of HTTPS (upstream's `--s3_insecure_connection`).
    public init(
        domain: String, useHTTP: Bool = false, region: String = "us-east-1", addressing: Addressing = .path, caFile: String? = nil,
        insecure: Bool = false, proxyURL: String? = nil
    ) throws(S3EndpointError) {
        guard !domain.contains("/") else {
            throw .invalidURL(domain, reason: "--s3_endpoint_domain takes host[:port], without a scheme or path")
        }
        try self.init(
            url: (useHTTP ? "http://" : "https://") + domain, region: region, addressing: addressing, caFile: caFile, insecure: insecure,
            proxyURL: proxyURL)
    }

    private init(
        scheme: String, host: String, port: Int?, region: String, addressing: Addressing, caFile: String?, insecure: Bool, proxyURL: String?
    ) throws(S3EndpointError) {
        guard !region.isEmpty else { throw .missingRegion }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.region = region
        self.addressing = addressing
        self.caFile = caFile
        self.insecure = insecure
        if let proxyURL {
            let parsed: ServerURL
            do {
                parsed = try ServerURL(parsing: proxyURL)
            } catch {
                throw .invalidProxy(proxyURL, reason: "\(error)")
            }
            guard parsed.scheme == "http" else { throw .invalidProxy(proxyURL, reason: "only http:// proxies are supported") }
            self.proxy = Proxy(host: parsed.host, port: parsed.port ?? 80)
        } else {
            self.proxy = nil
        }
    }

    /// `scheme://host[:port]`, as users wrote it; for messages.
    public var description: String { "\(scheme)://\(authority(host: host))" }

    var defaultPort: Int { scheme == "https" ? 443 : 80 }

    /// The `Host` header (and URL authority) for a host name: port only when not the default.
    func authority(host: String) -> String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port, port != defaultPort else { return bracketed }
        return "\(bracketed):\(port)"
    }

    /// Where a request for a bucket and key goes.
    /// - Parameters:
    ///   - bucket: Nil for service-level requests.
    ///   - key: Nil for bucket-level requests.
    /// - Returns: The host header value and the raw (unencoded) path.
    public func location(bucket: String?, key: String?) -> S3Location {
        guard let bucket else { return S3Location(scheme: scheme, authority: authority(host: host), path: "/") }
        switch addressing {
        case .path:
            return S3Location(scheme: scheme, authority: authority(host: host), path: "/\(bucket)" + (key.map { "/\($0)" } ?? ""))
        case .virtualHost:
            return S3Location(scheme: scheme, authority: authority(host: "\(bucket).\(host)"), path: "/" + (key ?? ""))
        }
    }
}

/// The authority and raw path of one request; `url(query:)` encodes them as they are signed.
public struct S3Location: Sendable, Equatable {
    public var scheme: String
    /// The `Host` header value.
    public var authority: String
    /// Raw, not percent-encoded.
    public var path: String

    public init(scheme: String, authority: String, path: String) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
    }

    /// The full URL with the path and query encoded by [S3URIEncoding], the query in the order given.
    public func url(query: [(name: String, value: String)] = []) -> String {
        var url = "\(scheme)://\(authority)\(S3URIEncoding.encode(path, keepSlash: true))"
        if !query.isEmpty {
            url += "?" + query.map { "\(S3URIEncoding.encode($0.name, keepSlash: false))=\(S3URIEncoding.encode($0.value, keepSlash: false))" }
                .joined(separator: "&")
        }
        return url
    }
}

/// An endpoint setting that cannot be used.
public enum S3EndpointError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidURL(String, reason: String)
    case invalidProxy(String, reason: String)
    case missingRegion

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "invalid S3 endpoint '\(url)': \(reason)"
        case .invalidProxy(let url, let reason): return "invalid --s3_proxy_url '\(url)': \(reason)"
        case .missingRegion: return "the S3 region is empty; set --s3_region_name or AWS_REGION (us-east-1 for most local servers)"
        }
    }
}
