import IngestCore

extension PythonPolicy {
    /// Runs the calls whose hooks the handler defines in one round trip, then applies the metadata
    /// writes of the calls that returned, together. A call that raised keeps its options and loses
    /// its writes; its log records are still logged (they say what led to the failure).
    public func runHooks(_ calls: [HookCall], job: PolicyJob) async throws -> [HookOutcome] {
        var outcomes = calls.map { HookOutcome(options: $0.options) }
        let asked = calls.indices.filter { capabilities.hooks.contains(calls[$0].hook) }
        guard !asked.isEmpty else { return outcomes }
        let body = HooksBody(job: job, calls: asked.map { WireHookCall(calls[$0]) })
        let results = try await host.send("hooks", body, expecting: [WireHookResult].self)
        guard results.count == asked.count else {
            throw PythonHostError.protocolViolation("\(results.count) hook results for \(asked.count) calls")
        }
        var writes: [(call: Int, effects: [MetadataEffect])] = []
        for (index, result) in zip(asked, results) {
            log(result.logs, job: job, path: calls[index].entry?.path)
            if let traceback = result.error {
                outcomes[index].error = traceback
                continue
            }
            outcomes[index].options = result.options ?? calls[index].options
            let effects = (result.effects ?? []).map(MetadataEffect.init)
            if let refusal = Self.unsupportedMetadataChange(in: effects) {
                outcomes[index].error = refusal
            } else if !effects.isEmpty {
                writes.append((index, effects))
            }
        }
        try await apply(writes, to: &outcomes)
        return outcomes
    }

    /// All calls' writes at once; if that fails, call by call, so that a write to an object that is
    /// gone fails its own call alone.
    private func apply(_ writes: [(call: Int, effects: [MetadataEffect])], to outcomes: inout [HookOutcome]) async throws {
        guard !writes.isEmpty else { return }
        do {
            try await applyMetadataEffects(writes.flatMap { $0.effects })
            return
        } catch IngestError.notFoundInCatalog {
            // Below, call by call.
        }
        for write in writes {
            do {
                try await applyMetadataEffects(write.effects)
            } catch IngestError.notFoundInCatalog(let path) {
                outcomes[write.call].error = "its metadata could not be written: '\(path)' is not in the catalog"
            }
        }
    }
}
