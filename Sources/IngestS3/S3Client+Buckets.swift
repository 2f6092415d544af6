import NIOCore

extension S3Client {
    /// Checks that a bucket exists and the credentials reach it; the cheapest check before work starts.
    /// - Throws: `S3Error.noSuchBucket`, `.accessDenied`, `.wrongRegion`, ...
    public func headBucket(_ bucket: String) async throws {
        _ = try await sendForHeaders(S3Request(method: .HEAD, operation: "HeadBucket", bucket: bucket))
    }

    /// Creates a bucket in the endpoint's region (a `LocationConstraint` outside us-east-1, as AWS requires).
    public func createBucket(_ bucket: String) async throws {
        var request = S3Request(method: .PUT, operation: "CreateBucket", bucket: bucket)
        if endpoint.region != "us-east-1" {
            let xml =
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                + S3XMLText.escape(endpoint.region) + "</LocationConstraint></CreateBucketConfiguration>"
            request.body = .bytes(ByteBuffer(string: xml))
            request.headers = [("content-type", "application/xml")]
        }
        _ = try await sendForHeaders(request)
    }

    /// Deletes an empty bucket.
    public func deleteBucket(_ bucket: String) async throws {
        _ = try await sendForHeaders(S3Request(method: .DELETE, operation: "DeleteBucket", bucket: bucket))
    }
}

/// Escaping for the few request bodies the client writes.
enum S3XMLText {
    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.append(character)
            }
        }
        return output
    }
}
