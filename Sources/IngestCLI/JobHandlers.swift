import IngestCore
import IngestGraph
import IngestSync

/// Every job kind's task handlers: what `ingest worker` runs.
enum JobHandlers {
    static func all(catalog: any Catalog) -> [any TaskHandler] {
        SyncJob.handlers(catalog: catalog) + GraphJob.handlers()
    }
}
