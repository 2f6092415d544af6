import Foundation
import Hummingbird

/// One JSON style for every answer, the same as the CLI's `--json`: snake_case keys, RFC 3339 times.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            // A failed answer is not the success it would have been.
            let problem = #"{"title":"Internal Server Error","status":500,"detail":"the answer could not be encoded"}"#
            return Response(
                status: .internalServerError, headers: [.contentType: "application/problem+json"],
                body: .init(byteBuffer: ByteBuffer(string: problem)))
        }
    }
}
