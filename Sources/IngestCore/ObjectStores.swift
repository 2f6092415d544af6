/// How to reach an S3 source: iRODS automated ingest's `--s3_*` options. Holds no secret, only
/// where the worker finds one (the keypair file's path; otherwise the worker's environment), so it
/// travels in job specs and task payloads.
public struct S3Access: Codable, Sendable, Equatable {
    /// `--s3_endpoint_domain`: `host[:port]`, or a URL with its scheme (`AWS_ENDPOINT_URL`); nil: AWS.
    public var endpoint: String?
    /// `--s3_region_name` (`AWS_REGION`); nil: us-east-1.
    public var region: String?
    /// `--s3_proxy_url`.
    public var proxy: String?
    /// `--s3_insecure_connection`: plain HTTP.
    public var insecure: Bool
    /// `--s3_keypair`: a file with the access key on line 1 and the secret key on line 2; nil: the
    /// worker's `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    public var keypair: String?
    /// `--s3_multipart_chunksize_in_mib`: part size of multipart transfers.
    public var multipartChunkSizeMiB: Int?
    /// Virtual-host addressing (`bucket.host`) instead of path style (`host/bucket`).
    public var virtualHost: Bool

    public init(
        endpoint: String? = nil, region: String? = nil, proxy: String? = nil, insecure: Bool = false, keypair: String? = nil,
        multipartChunkSizeMiB: Int? = nil, virtualHost: Bool = false
    ) {
        self.endpoint = endpoint
        self.region = region
        self.proxy = proxy
        self.insecure = insecure
        self.keypair = keypair
        self.multipartChunkSizeMiB = multipartChunkSizeMiB
        self.virtualHost = virtualHost
    }

    private enum CodingKeys: String, CodingKey {
        case endpoint, region, proxy, insecure, keypair, virtualHost
        case multipartChunkSizeMiB = "multipartChunkSizeMib"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
        region = try container.decodeIfPresent(String.self, forKey: .region)
        proxy = try container.decodeIfPresent(String.self, forKey: .proxy)
        insecure = try container.decodeIfPresent(Bool.self, forKey: .insecure) ?? false
        keypair = try container.decodeIfPresent(String.self, forKey: .keypair)
        multipartChunkSizeMiB = try container.decodeIfPresent(Int.self, forKey: .multipartChunkSizeMiB)
        virtualHost = try container.decodeIfPresent(Bool.self, forKey: .virtualHost) ?? false
    }
}

/// A bucket and key prefix, from `s3://bucket/prefix` or upstream's `/bucket/prefix`.
public struct S3Path: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    /// Without leading, trailing or doubled `/`; empty for the whole bucket.
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
    }

    /// Reads `s3://bucket/prefix`, or `/bucket/prefix` when `slashForm` (upstream's spelling with `--s3_keypair`).
    /// - Returns: nil when the text is neither, or names no bucket.
    public init?(parsing text: String, slashForm: Bool = false) {
        let rest: Substring
        if text.lowercased().hasPrefix("s3://") {
            rest = text.dropFirst(5)
        } else if slashForm, text.hasPrefix("/") {
            rest = text.dropFirst()
        } else {
            return nil
        }
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return nil }
        self.init(bucket: String(bucket), prefix: String(rest.dropFirst(bucket.count)))
    }

    /// `s3://bucket/prefix`, the one spelling jobs record.
    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }

    /// Whether `text` is an `s3://` URL.
    public static func isURL(_ text: String) -> Bool { text.lowercased().hasPrefix("s3://") }
}

/// Opens object-store sources and storages for the job kinds, which import no client: the runtime
/// supplies one (`JobResources.objectStores`). Credentials are the opening process's own.
public protocol ObjectStores: Sendable {
    /// The source at `location`, reached as `access` says.
    func source(_ location: S3Path, access: S3Access) async throws -> any Source

    /// Checks before a job is queued that `location` can be listed with this process's credentials:
    /// a missing bucket, wrong keys, a wrong region or an endpoint that is not S3 fail here, naming
    /// the setting to fix.
    /// - Returns: whether anything is under `location` (an empty prefix may be a typo).
    func checkSource(_ location: S3Path, access: S3Access) async throws -> Bool

    /// The storage of the resource `name` (of type s3), as this process's configuration defines it.
    /// - Throws: an error naming the resource and the setting it lacks.
    func storage(resource name: String) async throws -> any Storage

    /// Closes the connections; call once, when nothing uses the stores any more.
    func shutdown() async
}
