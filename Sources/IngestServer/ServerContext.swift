import Hummingbird
import IngestCore

/// Per request: the role its bearer token grants, set by `BearerAuthMiddleware`.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil until authenticated; `.operate` for every request when no token is configured.
    public var role: ServerSettings.Role?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Job documents are small (a handler file is a few KiB): a larger body is refused before it
    /// is read into memory.
    public var maxUploadSize: Int { ServerLimits.maximumBodyBytes }
}

public enum ServerLimits {
    public static let maximumBodyBytes = 1 << 20
    /// The most items one page of a list holds.
    public static let maximumPageSize = 1000
    public static let defaultPageSize = 100
}

extension ServerContext {
    /// The `{name}` of a job route, percent-decoded: clients and the dashboard's links encode every
    /// character of a name that is not unreserved (`/`, `?`, spaces, markup), and the router hands
    /// the segment over as sent.
    func jobName() throws -> String {
        let segment = try parameters.require("name")
        guard let name = segment.removingPercentEncoding, !name.isEmpty else {
            throw Problem(.badRequest, "the job name '\(segment)' in the path is not valid percent-encoding; encode each byte of the name as %XX")
        }
        return name
    }
}
