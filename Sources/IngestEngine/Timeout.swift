import IngestCore

/// An attempt ran longer than its task's timeout.
public struct TaskTimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(seconds) seconds" }
}

/// A claimed task whose stored timeout or retry delay no worker can honour (not finite, negative,
/// beyond `SecondsSetting.maximum`): it fails for good instead of crashing every worker that claims it.
public struct TaskSettingsOutOfRange: Error, CustomStringConvertible {
    public var problem: String
    public var description: String {
        "this task cannot run: \(problem); start the job again with --timeout and --delay in that range"
    }
}
