/// Seconds a user gives for a timeout, delay, interval or lease.
///
/// Each such value becomes a `Duration` or a deadline, and those conversions trap on a value that
/// is not finite or does not fit: a `--timeout 1e308` stored on a task would crash every worker
/// that claims it. Checked where the value is read, it is a message instead.
public enum SecondsSetting {
    /// Ten years: beyond any sensible setting, and far below what a `Duration`, a deadline or
    /// `Task.sleep` can hold (about 292 years in nanoseconds).
    public static let maximum: Double = 315_360_000

    /// Why `value` is not a usable number of seconds, or nil when it is.
    /// - Parameters:
    ///   - value: the seconds as given.
    ///   - allowsZero: whether 0 is meaningful (a retry delay) or not (a timeout, a lease).
    /// - Returns: a reason that completes "must be ...", naming the allowed range.
    public static func problem(with value: Double, allowsZero: Bool) -> String? {
        let range = allowsZero ? "from 0 to \(Int(maximum)) (10 years)" : "more than 0 and at most \(Int(maximum)) (10 years)"
        guard value.isFinite else { return "\(value) is not a number of seconds; give one \(range)" }
        guard allowsZero ? value >= 0 : value > 0, value <= maximum else {
            return "\(value) seconds is out of range; give a number \(range)"
        }
        return nil
    }

    /// `seconds` as a `Duration`, held within 0...`maximum` so that the conversion cannot trap
    /// (not a number counts as the maximum). For values already checked this is the plain conversion.
    public static func duration(_ seconds: Double) -> Duration {
        guard !seconds.isNaN else { return .seconds(maximum) }
        return .seconds(min(max(seconds, 0), maximum))
    }
}

extension RetryPolicy {
    /// Why this policy cannot be run (a value out of `SecondsSetting`'s range), or nil when it can.
    /// A task stored by an older version or written straight into the broker may carry such values.
    public var outOfRangeProblem: String? {
        if let problem = SecondsSetting.problem(with: timeout, allowsZero: false) { return "its timeout: \(problem)" }
        if let problem = SecondsSetting.problem(with: delay, allowsZero: true) { return "its retry delay: \(problem)" }
        if maxRetries < 0 { return "its max_retries is \(maxRetries); give 0 or more" }
        return nil
    }
}
