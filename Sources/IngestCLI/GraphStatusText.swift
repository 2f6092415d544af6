import IngestRuntime

/// A refusal with a message and nothing else (exit status 1): the request is well formed, but the
/// state of things does not allow it now.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A request that asks for something that does not exist in what it names (a layer a graph does
/// not have, a chunk outside its grid): a usage error, exit status 64.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension GraphStatus {
    /// `ingest status` as text: one line for the graph, one per layer.
    var text: String {
        let header = "graph \(graph): \(state)\(test ? " (--test)" : ""), store \(store)"
        let progress = layers.map { "\($0.layer): \($0.completed) / \($0.total)" }
        let width = progress.map(\.count).max() ?? 0
        let lines = zip(layers, progress).map { layer, text in
            text.padding(toLength: width, withPad: " ", startingAt: 0)
                + "   queued \(layer.queued)  blocked \(layer.blocked)  running \(layer.running)  failed \(layer.failed)"
        }
        return ([header] + lines).joined(separator: "\n")
    }
}
