import IngestCore
import Logging

extension PythonPolicy {
    /// Loads a handler in a python process of its own and stops it: what `start` runs before queuing
    /// anything, so a broken handler is refused with its file, line and message.
    /// - Returns: what the handler takes part in.
    /// - Throws: `IngestError.invalidOption(name: "--event_handler", ...)`.
    @discardableResult
    public static func check(
        text: String, filename: String, python: String = defaultPython, logger: Logger = Logger(label: "ingest.event_handler")
    ) async throws -> PolicyCapabilities {
        try await check(text: text, filename: filename, python: python, logger: logger, loadLimit: loadLimit)
    }

    /// How long loading a handler may take: its module runs at import, and one that waits for
    /// something would otherwise hold `start` (or a worker) forever.
    static let loadLimit: Duration = .seconds(60)

    static func check(text: String, filename: String, python: String, logger: Logger, loadLimit: Duration) async throws -> PolicyCapabilities {
        let callbacks = PolicyCallbacks(catalog: nil, sharedValues: InMemoryPolicySharedValues())
        let host = try PythonHost(
            python: python, filename: filename, text: text, logger: logger, callbacks: { try await callbacks.answer($0) })
        do {
            let defined = try await load(host, filename: filename, python: python, limit: loadLimit)
            await host.shutdown()
            return capabilities(defined: defined)
        } catch {
            await host.shutdown()
            throw error
        }
    }

    /// Starts the host and loads the handler.
    /// - Returns: the methods the handler's class defines beyond `Core`'s.
    static func load(_ host: PythonHost, filename: String, python: String, limit: Duration = loadLimit) async throws -> Set<String> {
        let loaded: LoadResult
        do {
            // The losing start is cancelled, which kills its process.
            loaded = try await Deadline.race({ try await host.start() }, limit: limit, onTimeout: { .failure(LoadTimedOut()) })
        } catch is LoadTimedOut {
            throw invalid("'\(filename)' did not finish loading within \(limit.components.seconds) s; does it wait for something when imported?")
        } catch PythonHostError.launch(.notFound) {
            throw invalid("python '\(python)' was not found; install python3 or pass --python PATH")
        } catch PythonHostError.launch(let error) {
            throw invalid("\(error); pass a working python 3 with --python PATH")
        } catch let error as PythonHostError {
            throw invalid("'\(filename)' could not be loaded: \(error)")
        }
        if let problem = loaded.problem {
            throw invalid(reason(for: problem, filename: filename))
        }
        return Set(loaded.defined ?? [])
    }

    static func reason(for problem: LoadProblem, filename: String) -> String {
        switch problem.kind {
        case "syntax":
            let location = problem.line.map { " line \($0)" } ?? ""
            let text = problem.text.map { $0.isEmpty ? "" : "\n    \($0.trimmingPrefix(while: \.isWhitespace))" } ?? ""
            return "'\(filename)'\(location): syntax error: \(problem.message)\(text)"
        case "import":
            return "'\(filename)' raised an exception while loading:\n\(problem.message)"
        case "missing_class":
            return "'\(filename)': \(problem.message); an event handler file defines `class event_handler(Core):`"
        default:
            return "'\(filename)': \(problem.message)"
        }
    }

    private struct LoadTimedOut: Error {}

    private static func invalid(_ reason: String) -> IngestError {
        .invalidOption(name: "--event_handler", reason: reason)
    }
}
