/// An attempt ran longer than its task's timeout.
public struct TaskTimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(seconds) seconds" }
}
