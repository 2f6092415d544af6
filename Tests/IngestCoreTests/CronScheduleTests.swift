import Foundation
import IngestCore
import Testing

/// Times are read and written in UTC so the tests do not depend on the machine's time zone.
private let utc: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

/// "2024-01-15 10:30" (or with ":45" seconds) in UTC.
private func time(_ text: String) -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = utc.timeZone
    formatter.dateFormat = text.count > 16 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
    return formatter.date(from: text)!
}

/// The next `count` run times after `start`, formatted like `time(_:)` takes them.
private func runs(_ expression: String, after start: String, count: Int = 1) throws -> [String] {
    let schedule = try CronSchedule(expression)
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = utc.timeZone
    formatter.dateFormat = "yyyy-MM-dd HH:mm EEE"
    var results: [String] = []
    var date = time(start)
    for _ in 0..<count {
        guard let next = schedule.nextRun(after: date, calendar: utc) else { break }
        results.append(formatter.string(from: next))
        date = next
    }
    return results
}

/// The reason of the `--cron` error the expression raises, or nil if it parses.
private func reason(_ expression: String) -> String? {
    do {
        _ = try CronSchedule(expression)
        return nil
    } catch IngestError.invalidOption(let name, let reason) {
        #expect(name == "--cron")
        return reason
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite struct CronScheduleMatchingTests {
    @Test func fixedMinuteAndHourRunsDaily() throws {
        #expect(try runs("0 3 * * *", after: "2024-01-15 10:30", count: 2) == ["2024-01-16 03:00 Tue", "2024-01-17 03:00 Wed"])
    }

    @Test func nextRunIsStrictlyAfterTheGivenTime() throws {
        #expect(try runs("30 10 * * *", after: "2024-01-15 10:30") == ["2024-01-16 10:30 Tue"])
        #expect(try runs("* * * * *", after: "2024-01-15 10:30") == ["2024-01-15 10:31 Mon"])
    }

    @Test func secondsOfTheResultAreZero() throws {
        let next = try CronSchedule("* * * * *").nextRun(after: time("2024-01-15 10:30:45"), calendar: utc)
        #expect(next == time("2024-01-15 10:31"))
    }

    @Test func listsMatchEachValue() throws {
        #expect(try runs("0 1,5 * * *", after: "2024-01-15 00:00", count: 3)
            == ["2024-01-15 01:00 Mon", "2024-01-15 05:00 Mon", "2024-01-16 01:00 Tue"])
    }

    @Test func rangesMatchEveryValueInclusive() throws {
        #expect(try runs("58-59 22-23 * * *", after: "2024-01-15 22:58", count: 3)
            == ["2024-01-15 22:59 Mon", "2024-01-15 23:58 Mon", "2024-01-15 23:59 Mon"])
    }

    @Test func stepsOverStarStartAtTheLowestValue() throws {
        #expect(try runs("*/15 * * * *", after: "2024-01-15 10:50", count: 3)
            == ["2024-01-15 11:00 Mon", "2024-01-15 11:15 Mon", "2024-01-15 11:30 Mon"])
        #expect(try runs("0 0 */10 * *", after: "2024-01-01 00:00", count: 3)
            == ["2024-01-11 00:00 Thu", "2024-01-21 00:00 Sun", "2024-01-31 00:00 Wed"])
    }

    @Test func stepsOverARangeStayInsideIt() throws {
        #expect(try runs("10-40/10 * * * *", after: "2024-01-15 10:00", count: 5) == [
            "2024-01-15 10:10 Mon", "2024-01-15 10:20 Mon", "2024-01-15 10:30 Mon", "2024-01-15 10:40 Mon", "2024-01-15 11:10 Mon",
        ])
    }

    @Test func monthNamesAreCaseInsensitive() throws {
        #expect(try runs("0 0 1 JUN,Dec *", after: "2024-01-15 00:00", count: 3)
            == ["2024-06-01 00:00 Sat", "2024-12-01 00:00 Sun", "2025-06-01 00:00 Sun"])
        #expect(try runs("0 0 1 mar-may *", after: "2024-01-15 00:00", count: 3)
            == ["2024-03-01 00:00 Fri", "2024-04-01 00:00 Mon", "2024-05-01 00:00 Wed"])
    }

    @Test func dayNamesAreCaseInsensitive() throws {
        #expect(try runs("0 9 * * Mon-FRI", after: "2024-01-19 12:00", count: 2) == ["2024-01-22 09:00 Mon", "2024-01-23 09:00 Tue"])
        #expect(try runs("0 9 * * sat,sun", after: "2024-01-15 12:00", count: 2) == ["2024-01-20 09:00 Sat", "2024-01-21 09:00 Sun"])
    }

    @Test func dayOfWeekZeroAndSevenAreBothSunday() throws {
        #expect(try runs("0 0 * * 0", after: "2024-01-15 00:00") == ["2024-01-21 00:00 Sun"])
        #expect(try runs("0 0 * * 7", after: "2024-01-15 00:00") == ["2024-01-21 00:00 Sun"])
        #expect(try runs("0 0 * * 5-7", after: "2024-01-15 00:00", count: 3)
            == ["2024-01-19 00:00 Fri", "2024-01-20 00:00 Sat", "2024-01-21 00:00 Sun"])
    }

    @Test func restrictedDayOfMonthAndDayOfWeekMatchEither() throws {
        // The 13th of each month, and every Friday.
        #expect(try runs("0 0 13 * fri", after: "2024-09-01 00:00", count: 5) == [
            "2024-09-06 00:00 Fri", "2024-09-13 00:00 Fri", "2024-09-20 00:00 Fri", "2024-09-27 00:00 Fri", "2024-10-04 00:00 Fri",
        ])
        #expect(try runs("0 0 13 * fri", after: "2024-10-04 00:00", count: 2) == ["2024-10-11 00:00 Fri", "2024-10-13 00:00 Sun"])
    }

    @Test func starInEitherDayFieldMeansBothMustMatch() throws {
        #expect(try runs("0 0 * * fri", after: "2024-09-01 00:00") == ["2024-09-06 00:00 Fri"])
        #expect(try runs("0 0 13 * *", after: "2024-09-01 00:00") == ["2024-09-13 00:00 Fri"])
        // Vixie cron: a field starting with `*` is unrestricted, so odd days that are also Mondays.
        #expect(try runs("0 0 */2 * mon", after: "2024-09-01 00:00", count: 2) == ["2024-09-09 00:00 Mon", "2024-09-23 00:00 Mon"])
    }

    @Test func february29WaitsForTheNextLeapYear() throws {
        #expect(try runs("0 0 29 2 *", after: "2024-03-01 00:00", count: 2) == ["2028-02-29 00:00 Tue", "2032-02-29 00:00 Sun"])
    }

    @Test func impossibleDateHasNoNextRun() throws {
        let schedule = try CronSchedule("0 0 30 2 *")
        #expect(schedule.nextRun(after: time("2024-01-01 00:00"), calendar: utc) == nil)
    }

    @Test func yearEndRollsIntoTheNextYear() throws {
        #expect(try runs("59 23 31 12 *", after: "2024-12-31 23:59") == ["2025-12-31 23:59 Wed"])
        #expect(try runs("0 0 * * *", after: "2024-12-31 23:59") == ["2025-01-01 00:00 Wed"])
    }

    @Test func resultIsInTheCalendarsTimeZone() throws {
        var tokyo = Calendar(identifier: .gregorian)
        tokyo.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let next = try CronSchedule("0 3 * * *").nextRun(after: time("2024-01-15 00:00"), calendar: tokyo)
        // 03:00 in Tokyo (UTC+9) is 18:00 UTC the day before.
        #expect(next == time("2024-01-15 18:00"))
    }

    @Test func daylightSavingGapDoesNotStallTheSearch() throws {
        var newYork = Calendar(identifier: .gregorian)
        newYork.timeZone = TimeZone(identifier: "America/New_York")!
        // 02:30 does not exist on 2024-03-10; whatever the answer, it comes promptly and moves forward.
        let start = time("2024-03-10 06:00")
        let next = try #require(try CronSchedule("30 2 * * *").nextRun(after: start, calendar: newYork))
        #expect(next > start)
        #expect(next < start.addingTimeInterval(2 * 86_400))
        #expect(newYork.component(.minute, from: next) == 30)
    }
}

@Suite struct CronScheduleMacroTests {
    @Test(arguments: [
        ("@yearly", "2025-01-01 00:00 Wed"), ("@annually", "2025-01-01 00:00 Wed"), ("@monthly", "2024-02-01 00:00 Thu"),
        ("@weekly", "2024-01-21 00:00 Sun"), ("@daily", "2024-01-16 00:00 Tue"), ("@midnight", "2024-01-16 00:00 Tue"),
        ("@hourly", "2024-01-15 11:00 Mon"), ("@DAILY", "2024-01-16 00:00 Tue"),
    ])
    func macroExpandsToItsSchedule(macro: String, expected: String) throws {
        #expect(try runs(macro, after: "2024-01-15 10:30") == [expected])
    }

    @Test func macroKeepsItsExpression() throws {
        #expect(try CronSchedule("@daily").expression == "@daily")
    }

    @Test func unknownMacroListsTheKnownOnes() {
        let message = reason("@fortnightly")
        #expect(message?.contains("@fortnightly") == true)
        #expect(message?.contains("@hourly") == true)
    }
}

@Suite struct CronScheduleErrorTests {
    @Test func fourFieldsNamesTheExpectedFields() {
        let message = reason("0 3 * *")
        #expect(message?.contains("has 4 fields") == true)
        #expect(message?.contains("minute hour day-of-month month day-of-week") == true)
    }

    @Test func sixFieldsIsRejected() {
        #expect(reason("0 0 3 * * *")?.contains("has 6 fields") == true)
    }

    @Test func emptyExpressionIsRejected() {
        #expect(reason("  ")?.contains("has 0 fields") == true)
    }

    @Test(arguments: [
        ("60 * * * *", "minute field", "0-59"),
        ("0 24 * * *", "hour field", "0-23"),
        ("0 0 0 * *", "day-of-month field", "1-31"),
        ("0 0 32 * *", "day-of-month field", "1-31"),
        ("0 0 * 13 *", "month field", "1-12 or jan-dec"),
        ("0 0 * * 8", "day-of-week field", "0-7 (0 and 7 are Sunday) or sun-sat"),
        ("0 0-99 * * *", "hour field", "0-23"),
    ])
    func outOfRangeValueNamesTheFieldAndItsRange(expression: String, field: String, allowed: String) {
        let message = reason(expression)
        #expect(message?.contains(field) == true)
        #expect(message?.contains("out of range") == true)
        #expect(message?.contains(allowed) == true)
    }

    @Test(arguments: [
        ("*/0 * * * *", "minute field"),
        ("*/x * * * *", "minute field"),
        ("0 */ * * *", "hour field"),
        ("0 */24 * * *", "hour field"),
        ("0 0 1-10/-2 * *", "day-of-month field"),
    ])
    func badStepNamesTheField(expression: String, field: String) {
        let message = reason(expression)
        #expect(message?.contains(field) == true)
        #expect(message?.contains("step") == true)
    }

    @Test func stepAfterASingleValueSuggestsARange() {
        let message = reason("5/15 * * * *")
        #expect(message?.contains("minute field") == true)
        #expect(message?.contains("5-59/15") == true)
    }

    @Test(arguments: [
        ("0 0 * janu *", "month field"),
        ("0 0 * * mon-fry", "day-of-week field"),
        ("0 0 * mon *", "month field"),
        ("0 0 * * jan", "day-of-week field"),
        ("0 noon * * *", "hour field"),
        ("0 0 fri * *", "day-of-month field"),
    ])
    func badNameNamesTheFieldAndWhatIsAllowed(expression: String, field: String) {
        let message = reason(expression)
        #expect(message?.contains(field) == true)
        #expect(message?.contains("is not a value; allowed:") == true)
    }

    @Test func backwardsRangeNamesTheField() {
        let message = reason("0 0 * * fri-mon")
        #expect(message?.contains("day-of-week field") == true)
        #expect(message?.contains("runs backwards") == true)
    }

    @Test func emptyListItemNamesTheField() {
        #expect(reason("1,,2 * * * *")?.contains("minute field") == true)
    }

    @Test func errorMessageQuotesTheExpression() {
        #expect(reason("0 0 32 * *")?.contains("'0 0 32 * *'") == true)
    }
}

@Suite struct CronScheduleCodingTests {
    @Test func encodesAsTheExpressionString() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = try encoder.encode([try CronSchedule("*/5 9-17 * * mon-fri")])
        #expect(String(decoding: data, as: UTF8.self) == #"["*/5 9-17 * * mon-fri"]"#)
    }

    @Test func decodeRoundTrips() throws {
        let schedule = try CronSchedule("0 3 * * *")
        let decoded = try JSONDecoder().decode(CronSchedule.self, from: JSONEncoder().encode(schedule))
        #expect(decoded == schedule)
        #expect(decoded.nextRun(after: time("2024-01-15 10:30"), calendar: utc) == time("2024-01-16 03:00"))
    }

    @Test func decodeRejectsAnInvalidExpression() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CronSchedule.self, from: Data(#""0 3 * *""#.utf8))
        }
    }
}
