import IngestCore
import IngestGraph
import IngestSync

/// Every job kind's task handlers: what `ingest worker` runs.
enum JobHandlers {
    /// - Parameter graphStores: opens the graph stores chunk tasks name (SQLite and PostgreSQL).
    static func all(catalog: any Catalog, graphStores: GraphStores) -> [any TaskHandler] {
        SyncJob.handlers(catalog: catalog) + GraphJob.handlers(stores: graphStores)
    }
}

/// The priority order of a worker on every queue: graph layers highest first (a parent released by
/// its last child runs next, so the build's tail is short and few built chunks wait for their
/// parents), then the other queues as the broker lists them.
enum QueuePriority {
    static func order(_ queues: [String]) -> [String] {
        let layers = queues.compactMap { queue in GraphQueues.layer(of: queue).map { (queue, $0) } }
        let others = queues.filter { GraphQueues.layer(of: $0) == nil }
        return layers.sorted { $0.1 > $1.1 }.map(\.0) + others
    }
}
