import Foundation
import IngestCore
import Testing

/// Seconds that would trap when turned into a `Duration` or a deadline are refused with a reason,
/// and a cron expression that never fires is refused before a job uses it.
@Suite struct OutOfRangeSecondsTests {
    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, 1e308, -1, SecondsSetting.maximum + 1])
    func nonFiniteNegativeAndAbsurdSecondsAreRefused(_ value: Double) {
        #expect(SecondsSetting.problem(with: value, allowsZero: true) != nil)
        #expect(SecondsSetting.problem(with: value, allowsZero: false) != nil)
    }

    @Test func zeroIsRefusedOnlyWhereItMeansNothing() {
        #expect(SecondsSetting.problem(with: 0, allowsZero: true) == nil)
        #expect(SecondsSetting.problem(with: 0, allowsZero: false)?.contains("more than 0") == true)
    }

    @Test(arguments: [0.001, 30, 3600, SecondsSetting.maximum])
    func sensibleSecondsAreAccepted(_ value: Double) {
        #expect(SecondsSetting.problem(with: value, allowsZero: false) == nil)
    }

    @Test(arguments: [Double.nan, .infinity, 1e308, -1])
    func durationNeverTraps(_ value: Double) {
        let duration = SecondsSetting.duration(value)
        #expect(duration >= .zero && duration <= .seconds(SecondsSetting.maximum))
        _ = ContinuousClock.now + duration
    }

    @Test func retryPolicyOutOfRangeNamesTheSetting() {
        #expect(RetryPolicy(maxRetries: 0, delay: 0, timeout: 1e308).outOfRangeProblem?.contains("timeout") == true)
        #expect(RetryPolicy(maxRetries: 0, delay: .nan, timeout: 10).outOfRangeProblem?.contains("retry delay") == true)
        #expect(RetryPolicy().outOfRangeProblem == nil)
    }

    @Test(arguments: ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"])
    func cronThatNeverFiresIsRefused(_ expression: String) throws {
        let schedule = try CronSchedule(expression)
        let error = #expect(throws: IngestError.self) { try schedule.firstRun(after: Date()) }
        #expect(error?.description.contains("never fires") == true, "\(String(describing: error))")
    }

    @Test func leapDayStillFires() throws {
        #expect(try CronSchedule("0 0 29 2 *").firstRun(after: Date()) > Date())
    }
}
