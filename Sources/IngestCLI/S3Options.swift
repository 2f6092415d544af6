import ArgumentParser
import Foundation
import IngestCore

/// iRODS automated ingest's S3 options: a bucket source is `s3://BUCKET/PREFIX`, or `/BUCKET/PREFIX`
/// with `--s3_keypair` (upstream's spelling).
struct S3Options: ParsableArguments {
    @Option(name: [.customLong("s3_keypair"), .customLong("s3-keypair")], help: "A file with the S3 access key on line 1 and the secret key on line 2; the source is then /BUCKET/PREFIX (default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of the worker).")
    var keypair: String?

    @Option(name: [.customLong("s3_endpoint_domain"), .customLong("s3-endpoint-domain")], help: "The S3 endpoint, host[:port] or a URL (default: $AWS_ENDPOINT_URL, else s3.amazonaws.com).")
    var endpointDomain: String?

    @Option(name: [.customLong("s3_region_name"), .customLong("s3-region-name")], help: "The bucket's region (default: $AWS_REGION, else us-east-1).")
    var regionName: String?

    @Option(name: [.customLong("s3_proxy_url"), .customLong("s3-proxy-url")], help: "An HTTP proxy for S3 requests, http://host:port (default: none).")
    var proxyURL: String?

    @Flag(name: [.customLong("s3_insecure_connection"), .customLong("s3-insecure-connection")], help: "Talk to the S3 endpoint over plain HTTP.")
    var insecureConnection = false

    @Option(name: [.customLong("s3_multipart_chunksize_in_mib"), .customLong("s3-multipart-chunksize-in-mib")], help: "Part size of multipart transfers, 5 to 5120 MiB, as iRODS automated ingest takes it; checked and kept with the job (objects are read as streams, and uploads into s3 resources use 8 MiB parts).")
    var multipartChunkSizeMiB: Int?

    /// The settings of a bucket source, or nil for a directory.
    /// - Throws: `ValidationError` for S3 options given with a directory source, naming the fix.
    func access(for source: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Access? {
        guard S3Path.isURL(source) || keypair != nil else {
            let given = [
                ("--s3_endpoint_domain", endpointDomain != nil), ("--s3_region_name", regionName != nil), ("--s3_proxy_url", proxyURL != nil),
                ("--s3_insecure_connection", insecureConnection), ("--s3_multipart_chunksize_in_mib", multipartChunkSizeMiB != nil),
            ].filter(\.1).map(\.0)
            if let first = given.first {
                throw ValidationError(
                    "\(first) applies to bucket sources; give the source as s3://BUCKET/PREFIX, or as /BUCKET/PREFIX with --s3_keypair FILE")
            }
            return nil
        }
        return try Self.access(
            keypair: keypair, endpointDomain: endpointDomain, regionName: regionName, proxyURL: proxyURL, insecure: insecureConnection,
            multipartChunkSizeMiB: multipartChunkSizeMiB, environment: environment)
    }

    /// The settings the options give, else the environment's `AWS_ENDPOINT_URL` and `AWS_REGION`.
    /// - Throws: `ValidationError` for a keypair file that cannot be read.
    static func access(
        keypair: String?, endpointDomain: String?, regionName: String?, proxyURL: String?, insecure: Bool, multipartChunkSizeMiB: Int?,
        environment: [String: String]
    ) throws -> S3Access {
        if let proxyURL, let authority = proxyURL.split(separator: "://", maxSplits: 1).last, authority.prefix(while: { $0 != "/" }).contains("@") {
            // The proxy URL is kept with the job: a password in it would travel with every task.
            throw ValidationError("--s3_proxy_url must not hold a user or password (it is stored with the job); give http://HOST:PORT")
        }
        if let keypair, !FileManager.default.isReadableFile(atPath: keypair) {
            throw ValidationError("--s3_keypair '\(keypair)' is not a readable file; give a file with the access key on line 1 and the secret key on line 2")
        }
        let nonEmpty = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return S3Access(
            endpoint: endpointDomain ?? nonEmpty("AWS_ENDPOINT_URL_S3") ?? nonEmpty("AWS_ENDPOINT_URL"),
            region: regionName ?? nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION"),
            proxy: proxyURL, insecure: insecure,
            keypair: keypair.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            multipartChunkSizeMiB: multipartChunkSizeMiB)
    }
}
