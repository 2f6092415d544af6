import Foundation
import IngestCore
import Logging
import Synchronization

/// The object stores of one process: bucket sources from a job's `S3Access`, s3 resources from the
/// process's configuration file, with credentials from keypair files or the environment (never from
/// a job). One client per endpoint and credentials, shared by every task; `shutdown` closes them.
public final class S3ObjectStores: ObjectStores {
    private let resources: [ResourceDefinition]
    private let configurationSource: String
    private let environment: [String: String]
    private let logger: Logger
    private let clients = Mutex<[String: S3Client]>([:])

    /// - Parameters:
    ///   - resources: the configuration file's resources (s3 ones are used).
    ///   - configurationSource: the configuration file, for messages.
    public init(
        resources: [ResourceDefinition], configurationSource: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) {
        self.resources = resources
        self.configurationSource = configurationSource
        self.environment = environment
        self.logger = logger
    }

    public func source(_ location: S3Path, access: S3Access) async throws -> any Source {
        S3Source(client: try client(for: access), root: location)
    }

    public func checkSource(_ location: S3Path, access: S3Access) async throws -> Bool {
        let page = try await client(for: access).listObjectsV2(
            bucket: location.bucket, prefix: location.prefix.isEmpty ? nil : location.prefix + "/", delimiter: "/", maxKeys: 1)
        return !page.objects.isEmpty || !page.commonPrefixes.isEmpty
    }

    public func storage(resource name: String) async throws -> any Storage {
        guard let resource = resources.first(where: { $0.name == name }) else {
            throw S3SettingsError(
                "resource '\(name)' is an s3 resource, and \(configurationSource) of this process does not define it; "
                    + "add it there with its bucket, endpoint, region and credentials")
        }
        guard resource.type == .s3, let bucket = resource.bucket, !bucket.isEmpty else {
            throw S3SettingsError("resource '\(name)' in \(configurationSource) needs `bucket:` to be an s3 resource")
        }
        let access = S3Access(endpoint: resource.endpoint, region: resource.region, keypair: resource.credentials)
        let client = try client(for: access, credentialHint: "`credentials:` of resource '\(name)' in \(configurationSource), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        let storage = S3Storage(client: client, root: S3Path(bucket: bucket, prefix: resource.path ?? ""))
        try await client.headBucket(bucket)
        return storage
    }

    /// Closes every client; call once, when no task uses them any more.
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    /// The shared client for `access`, made on first use.
    func client(for access: S3Access, credentialHint: String = "--s3_keypair FILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of the worker")
        throws -> S3Client
    {
        let endpoint = try endpoint(for: access)
        let credentials: S3Credentials
        do {
            credentials = try access.keypair.map { try S3Credentials.keypairFile($0) } ?? S3Credentials.environment(environment)
        } catch {
            throw S3SettingsError("no S3 credentials for \(endpoint) (set \(credentialHint)): \(error)")
        }
        let cacheKey = "\(endpoint)|\(endpoint.region)|\(endpoint.proxy.map { "\($0.host):\($0.port)" } ?? "")|\(credentials.accessKeyID)|\(access.keypair ?? "env")"
        if let cached = clients.withLock({ $0[cacheKey] }) { return cached }
        let client = try S3Client(
            endpoint: endpoint, credentials: credentials,
            configuration: S3Client.Configuration(credentialHint: credentialHint), logger: logger)
        let kept = clients.withLock { clients in
            if let earlier = clients[cacheKey] { return earlier }
            clients[cacheKey] = client
            return client
        }
        if kept !== client { Task { try? await client.shutdown() } }
        return kept
    }

    /// `--s3_endpoint_domain` (host[:port], https unless `insecure`) or a URL; AWS when none is given.
    func endpoint(for access: S3Access) throws -> S3Endpoint {
        let region = access.region ?? "us-east-1"
        let addressing: S3Endpoint.Addressing = access.virtualHost ? .virtualHost : .path
        let given = access.endpoint ?? (region == "us-east-1" ? "s3.amazonaws.com" : "s3.\(region).amazonaws.com")
        if given.contains("://") {
            return try S3Endpoint(url: given, region: region, addressing: addressing, proxyURL: access.proxy)
        }
        return try S3Endpoint(domain: given, useHTTP: access.insecure, region: region, addressing: addressing, proxyURL: access.proxy)
    }
}

/// S3 settings that are missing or wrong, naming the setting to fix.
public struct S3SettingsError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
