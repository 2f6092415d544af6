extension S3Client {
    /// One page of the objects in a bucket (`ListObjectsV2`), keys in UTF-8 binary order.
    ///
    /// Keys travel URL-encoded (`encoding-type=url`) so that any key, even one with characters
    /// XML cannot carry, comes back as it was stored. The page size is the server's choice up to
    /// `maxKeys`; page with `nextContinuationToken` while `isTruncated`.
    /// - Parameters:
    ///   - prefix: Only keys starting with it.
    ///   - delimiter: Usually `/`: keys with it after the prefix are rolled up into `commonPrefixes`.
    ///   - continuationToken: From the previous page.
    ///   - startAfter: Only keys after this one (first page only).
    ///   - maxKeys: At most this many keys and prefixes; the server may return fewer.
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, delimiter: String? = nil, continuationToken: String? = nil, startAfter: String? = nil,
        maxKeys: Int? = nil
    ) async throws -> S3ListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("encoding-type", "url")]
        if let prefix, !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let delimiter, !delimiter.isEmpty { query.append(("delimiter", delimiter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let startAfter, !startAfter.isEmpty { query.append(("start-after", startAfter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let request = S3Request(method: .GET, operation: "ListObjectsV2", bucket: bucket, query: query)
        let root = try await xmlBody(try await send(request), request: request, expecting: "ListBucketResult")
        let encoded = root.string("EncodingType") == "url"
        guard let page = S3Responses.listPage(root, urlEncoded: encoded) else { throw unexpected(request, root) }
        return page
    }
}
