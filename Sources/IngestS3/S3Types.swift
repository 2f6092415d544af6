import Foundation

/// One object of a listing.
public struct S3ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var lastModified: Date
    /// Without the quotes S3 puts around it; the MD5 of the content for single-part uploads.
    public var etag: String
    public var storageClass: String?
}

/// One page of a `ListObjectsV2` listing.
public struct S3ListPage: Sendable, Equatable {
    public var objects: [S3ObjectSummary]
    /// The "directories" under the prefix when a delimiter was given, each ending with it.
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Pass to the next call; nil on the last page.
    public var nextContinuationToken: String?
}

/// What HEAD (or the head of a GET) says about an object.
public struct S3ObjectInfo: Sendable, Equatable {
    public var size: Int64
    public var lastModified: Date?
    /// Without quotes.
    public var etag: String
    public var contentType: String?
    /// `x-amz-meta-*` headers, names lower-cased and without the prefix.
    public var metadata: [String: String]
    /// Base64 SHA-256 the object was stored with (`x-amz-checksum-sha256`), when the server has one.
    public var checksumSHA256: String?
    /// `bytes first-last/total` of a range request.
    public var contentRange: String?
}

/// An upload started and neither completed nor aborted.
public struct S3MultipartUpload: Sendable, Equatable {
    public var key: String
    public var uploadID: String
    public var initiated: Date?
}

/// A part of a multipart upload, as the server lists it.
public struct S3UploadedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String
    public var size: Int64
}

/// A part to complete an upload with.
public struct S3CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

/// A key that a multi-object delete could not delete.
public struct S3DeleteFailure: Sendable, Equatable {
    public var key: String
    public var code: String
    public var message: String
}

/// Parsing of S3's two date forms with a fixed grammar: formatters are neither cheap nor `Sendable`.
enum S3Dates {
    /// `2013-09-17T18:07:53.000Z` (listings), fractional seconds optional.
    static func iso8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + length] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var fraction = 0.0
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                fraction += Double(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "+") else { return nil }
        return utc(year: year, month: month, day: day, hour: hour, minute: minute, second: second).map { $0 + fraction }
    }

    /// `Wed, 12 Oct 2009 17:50:00 GMT` (the `Last-Modified` header).
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let year = Int(parts[3]),
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(parts[2]))
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return utc(year: year, month: month + 1, day: day, hour: time[0], minute: time[1], second: time[2])
    }

    private static func utc(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        // Days from civil (Howard Hinnant's algorithm): no calendar, no locale, no time zone.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second))
    }
}

extension String {
    /// An ETag without the surrounding quotes (and any `W/` weak prefix).
    var unquotedETag: String {
        var value = Substring(self)
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        if value.hasPrefix("&quot;"), value.hasSuffix("&quot;") { value = value.dropFirst(6).dropLast(6) }
        return String(value)
    }
}
