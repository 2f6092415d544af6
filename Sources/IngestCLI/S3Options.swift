import ArgumentParser
import Foundation
import IngestCore
import IngestRuntime

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

    /// The options as the runtime checks them.
    var startOptions: S3StartOptions {
        var options = S3StartOptions()
        (options.keypair, options.endpointDomain, options.regionName) = (keypair, endpointDomain, regionName)
        (options.proxyURL, options.insecureConnection, options.multipartChunkSizeMiB) = (proxyURL, insecureConnection, multipartChunkSizeMiB)
        return options
    }
}
