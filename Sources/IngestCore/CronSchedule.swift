import Foundation

/// A crontab time specification (`ingest start --cron "0 3 * * *"`): five fields, minute hour
/// day-of-month month day-of-week, or one of the `@daily`-style macros.
///
/// Matching follows Vixie cron: when both day fields are restricted, a day matches if either
/// does; a day field that starts with `*` (including `*/2`) counts as unrestricted.
public struct CronSchedule: Sendable, Equatable, Codable {
    public let expression: String

    private let minutes: CronValueSet
    private let hours: CronValueSet
    private let daysOfMonth: CronValueSet
    private let months: CronValueSet
    /// Bits 0-6, Sunday = 0 (a `7` in the expression is stored as 0).
    private let daysOfWeek: CronValueSet
    private let dayOfMonthIsUnrestricted: Bool
    private let dayOfWeekIsUnrestricted: Bool

    /// How far `nextRun` looks before deciding that a schedule never fires (`0 0 30 2 *`).
    private static let searchHorizon: TimeInterval = 5 * 366 * 86_400

    /// - Throws: `IngestError.invalidOption(name: "--cron", reason: ...)` whose reason says which field is wrong and what is allowed.
    public init(_ expression: String) throws {
        let fields = try Self.fields(of: expression)
        let parsed = try zip(CronField.allCases, fields).map { field, text in
            try field.parse(text, expression: expression)
        }
        self.expression = expression
        minutes = parsed[0]
        hours = parsed[1]
        daysOfMonth = parsed[2]
        months = parsed[3]
        daysOfWeek = parsed[4].foldingSevenIntoZero()
        dayOfMonthIsUnrestricted = fields[2].hasPrefix("*")
        dayOfWeekIsUnrestricted = fields[4].hasPrefix("*")
    }

    /// The first time strictly after `date` that matches, in `calendar`'s time zone; nil if none within ~5 years.
    ///
    /// Skips whole months, days and hours that cannot match, so even a schedule that never
    /// fires costs a few hundred steps.
    public func nextRun(after date: Date, calendar: Calendar = .current) -> Date? {
        let limit = date.addingTimeInterval(Self.searchHorizon)
        var candidate = Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / 60) + 1) * 60)
        while candidate <= limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
            guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
                  let minute = parts.minute, let weekday = parts.weekday
            else { return nil }

            let next: Date?
            if !months.contains(month) {
                let following = month == 12 ? (year + 1, 1) : (year, month + 1)
                next = calendar.date(from: DateComponents(year: following.0, month: following.1, day: 1))
            } else if !dayMatches(dayOfMonth: day, weekday: weekday) {
                next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate))
            } else if !hours.contains(hour) {
                next = candidate.addingTimeInterval(TimeInterval(60 - minute) * 60)
            } else if let matchingMinute = minutes.first(atOrAfter: minute) {
                if matchingMinute == minute { return candidate }
                next = candidate.addingTimeInterval(TimeInterval(matchingMinute - minute) * 60)
            } else {
                next = candidate.addingTimeInterval(TimeInterval(60 - minute) * 60)
            }
            // Around a daylight-saving change a computed start can land at or before the
            // candidate; stepping one minute keeps the search moving forward.
            guard let next, next > candidate else {
                candidate = candidate.addingTimeInterval(60)
                continue
            }
            candidate = next
        }
        return nil
    }

    /// The first run after `date`, for a schedule about to be used: one that never fires would
    /// otherwise run its first pass at once and then never again.
    /// - Throws: `IngestError.invalidOption(name: "--cron", ...)` when no time matches within about 5 years (`0 0 31 2 *`).
    public func firstRun(after date: Date, calendar: Calendar = .current) throws -> Date {
        guard let first = nextRun(after: date, calendar: calendar) else {
            throw IngestError.invalidOption(
                name: "--cron",
                reason: "'\(expression)' never fires (no matching time in the next 5 years); check that its day-of-month exists in its months, e.g. \"0 0 28 2 *\"")
        }
        return first
    }

    private func dayMatches(dayOfMonth: Int, weekday: Int) -> Bool {
        let dayOfMonthMatches = daysOfMonth.contains(dayOfMonth)
        // Calendar weekdays run 1 (Sunday) to 7 (Saturday).
        let dayOfWeekMatches = daysOfWeek.contains(weekday - 1)
        if dayOfMonthIsUnrestricted || dayOfWeekIsUnrestricted {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let macroNames = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"

    /// The five field texts, with a macro expanded.
    private static func fields(of expression: String) throws -> [String] {
        let trimmed = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("@") {
            guard let expansion = macros[trimmed.lowercased()] else {
                throw IngestError.invalidOption(
                    name: "--cron", reason: "'\(trimmed)' is not a cron macro; use one of \(macroNames)")
            }
            return expansion.split(separator: " ").map(String.init)
        }
        let fields = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == CronField.allCases.count else {
            throw IngestError.invalidOption(
                name: "--cron",
                reason: "'\(expression)' has \(fields.count) fields; expected 5 (minute hour day-of-month month day-of-week), "
                    + "e.g. \"0 3 * * *\", or one of \(macroNames)")
        }
        return fields
    }

    // Encoded as the bare expression, so stored schedules read like the command line.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let expression = try container.decode(String.self)
        do {
            try self.init(expression)
        } catch let error as IngestError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(expression)
    }

    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.expression == rhs.expression
    }
}

/// The values one field allows, as bits (every field's values fit in 0-63).
private struct CronValueSet: Sendable {
    var bits: UInt64 = 0

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0
    }

    mutating func insert(_ value: Int) {
        bits |= 1 << UInt64(value)
    }

    /// The smallest allowed value that is `value` or more.
    func first(atOrAfter value: Int) -> Int? {
        guard (0..<64).contains(value) else { return nil }
        let remaining = bits >> UInt64(value)
        return remaining == 0 ? nil : value + remaining.trailingZeroBitCount
    }

    /// Day-of-week 7 is Sunday, like 0.
    func foldingSevenIntoZero() -> CronValueSet {
        var folded = self
        if contains(7) {
            folded.bits &= ~(1 << 7)
            folded.insert(0)
        }
        return folded
    }
}

/// One of the five positions in a cron expression, with its range and names.
private enum CronField: CaseIterable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    var label: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Names and the value each stands for, matched case-insensitively.
    var names: [String: Int] {
        switch self {
        case .month:
            ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
        case .dayOfWeek:
            ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
        case .minute, .hour, .dayOfMonth:
            [:]
        }
    }

    var allowed: String {
        switch self {
        case .minute, .hour, .dayOfMonth: "\(range.lowerBound)-\(range.upperBound)"
        case .month: "1-12 or jan-dec"
        case .dayOfWeek: "0-7 (0 and 7 are Sunday) or sun-sat"
        }
    }

    /// Parses a list of `*`, `N`, `N-M`, `*/S` and `N-M/S` items.
    func parse(_ text: String, expression: String) throws -> CronValueSet {
        var values = CronValueSet()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw invalid("'\(text)' has an empty list item; separate values with single commas, e.g. 1,5", expression)
            }
            let rangeAndStep = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let base = rangeAndStep[0]
            let bounds = try self.bounds(of: String(base), expression: expression)
            var step = 1
            if rangeAndStep.count == 2 {
                step = try self.step(String(rangeAndStep[1]), expression: expression)
                guard base == "*" || base.contains("-") else {
                    throw invalid(
                        "step '\(item)' needs * or a range before the '/', e.g. \(bounds.lowerBound)-\(range.upperBound)/\(step)",
                        expression)
                }
            }
            for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
                values.insert(value)
            }
        }
        return values
    }

    private func bounds(of text: String, expression: String) throws -> ClosedRange<Int> {
        if text == "*" { return range }
        let ends = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let low = try value(String(ends[0]), expression: expression)
        guard ends.count == 2 else { return low...low }
        let high = try value(String(ends[1]), expression: expression)
        guard low <= high else {
            throw invalid("range '\(text)' runs backwards; write the smaller value first (allowed: \(allowed))", expression)
        }
        return low...high
    }

    private func value(_ text: String, expression: String) throws -> Int {
        if let named = names[text.lowercased()] { return named }
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let number = Int(text) else {
            throw invalid("'\(text)' is not a value; allowed: \(allowed)", expression)
        }
        guard range.contains(number) else {
            throw invalid("\(number) is out of range; allowed: \(allowed)", expression)
        }
        return number
    }

    private func step(_ text: String, expression: String) throws -> Int {
        let largest = range.upperBound
        guard text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let step = Int(text), (1...largest).contains(step) else {
            throw invalid("step '/\(text)' must be a whole number from 1 to \(largest)", expression)
        }
        return step
    }

    private func invalid(_ problem: String, _ expression: String) -> IngestError {
        .invalidOption(name: "--cron", reason: "\(label) field of '\(expression)': \(problem)")
    }
}
