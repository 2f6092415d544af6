import ArgumentParser
import Foundation
import IngestCore
import IngestRuntime

/// The S3 options of `ingest graph`, for a dataset's `s3://` inputs: iRODS automated ingest's names,
/// without what only syncs use (part sizes, `/BUCKET/PREFIX` sources).
struct S3InputOptions: ParsableArguments {
    @Option(name: [.customLong("s3_keypair"), .customLong("s3-keypair")], help: "A file with the S3 access key on line 1 and the secret key on line 2, read by every worker at this path (default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of each worker).")
    var keypair: String?

    @Option(name: [.customLong("s3_endpoint_domain"), .customLong("s3-endpoint-domain")], help: "The S3 endpoint, host[:port] or a URL (default: $AWS_ENDPOINT_URL, else s3.amazonaws.com).")
    var endpointDomain: String?

    @Option(name: [.customLong("s3_region_name"), .customLong("s3-region-name")], help: "The buckets' region (default: $AWS_REGION, else us-east-1).")
    var regionName: String?

    @Option(name: [.customLong("s3_proxy_url"), .customLong("s3-proxy-url")], help: "An HTTP proxy for S3 requests, http://host:port (default: none).")
    var proxyURL: String?

    @Flag(name: [.customLong("s3_insecure_connection"), .customLong("s3-insecure-connection")], help: "Talk to the S3 endpoint over plain HTTP.")
    var insecureConnection = false

    /// The options given on the command line, by name.
    var given: [String] {
        [
            ("--s3_keypair", keypair != nil), ("--s3_endpoint_domain", endpointDomain != nil), ("--s3_region_name", regionName != nil),
            ("--s3_proxy_url", proxyURL != nil), ("--s3_insecure_connection", insecureConnection),
        ].filter(\.1).map(\.0)
    }

    /// The settings every worker reaches the buckets with: the options, else the environment's
    /// `AWS_ENDPOINT_URL` and `AWS_REGION`.
    /// - Throws: `ValidationError` for a keypair file that cannot be read.
    func access(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Access {
        var options = S3StartOptions()
        (options.keypair, options.endpointDomain, options.regionName) = (keypair, endpointDomain, regionName)
        (options.proxyURL, options.insecureConnection) = (proxyURL, insecureConnection)
        do {
            return try options.access(environment: environment)
        } catch let error as InvalidRequest {
            throw ValidationError(error.message)
        }
    }
}
