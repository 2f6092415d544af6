import IngestCore
import IngestGraph
import IngestRedis

extension IngestRuntime {
    /// Whether an error is the request's fault (a malformed option value, URL, source, target or
    /// dataset file) rather than a failure while running it: the CLI exits 64 for these, and the REST API answers
    /// them with a 4xx status.
    public static func isUsageError(_ error: any Error) -> Bool {
        switch error {
        case let error as IngestError:
            switch error {
            case .invalidURL, .invalidOption, .invalidSource, .invalidTarget: true
            default: false
            }
        case is RedisURLError, is InvalidRequest: true
        case let error as GraphError:
            switch error {
            case .invalidDataset, .invalidDatasetKeys, .invalidGeometry, .gridTooLarge: true
            default: false
            }
        default: false
        }
    }
}
