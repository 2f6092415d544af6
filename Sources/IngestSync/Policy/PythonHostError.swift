/// Why the event handler host failed a whole request (an entry's or call's own failure is its `error`).
enum PythonHostError: Error, CustomStringConvertible {
    /// python could not be started.
    case launch(ProcessLaunchError)
    /// The process ended, and ended again when the request was repeated (or while the handler loaded).
    case died(String)
    /// The handler loaded when the policy was made, but not when the process was started again.
    case reloadFailed(LoadProblem)
    /// The host's own code raised: its traceback.
    case hostFailed(String)
    /// A line that does not follow the protocol.
    case protocolViolation(String)

    var description: String {
        switch self {
        case .launch(let error): "the event handler's python could not be started: \(error)"
        case .died(let why): "the event handler's python process \(why)"
        case .reloadFailed(let problem): "the event handler no longer loads: \(problem.message)"
        case .hostFailed(let traceback): "Ingest's event handler host failed:\n\(traceback)"
        case .protocolViolation(let what): "the event handler host broke the protocol: \(what)"
        }
    }
}
