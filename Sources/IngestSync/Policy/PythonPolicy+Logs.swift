import Logging

extension PythonPolicy {
    /// Writes the handler's log records to the job's logger, with the job and the entry's path; the
    /// record's keyword arguments become metadata (structlog's fields).
    func log(_ records: [WireLog]?, job: PolicyJob, path: String?) {
        guard let records, !records.isEmpty else { return }
        for record in records {
            var metadata: Logger.Metadata = [:]
            for (key, value) in record.fields ?? [:] {
                metadata[key] = .string(value)
            }
            metadata["job"] = .string(job.name)
            if let path {
                metadata["path"] = .string(path)
            }
            services.logger.log(level: Self.level(record.level), "\(record.message)", metadata: metadata)
        }
    }

    static func level(_ name: String) -> Logger.Level {
        switch name {
        case "debug": .debug
        case "warning": .warning
        case "error", "exception": .error
        case "critical": .critical
        default: .info
        }
    }
}
