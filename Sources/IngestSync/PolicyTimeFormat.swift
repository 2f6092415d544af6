/// The format of `{mtime:FORMAT}`: a strftime subset, always in UTC so that every worker writes
/// the same text whatever its time zone. `%Y %m %d %H %M %S %j` and `%%`.
///
/// Computed with integer calendar arithmetic rather than `DateFormatter` or `Calendar`: rendering
/// happens per entry, and those cost microseconds and allocate.
struct TimeFormat: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case year, month, day, hour, minute, second, dayOfYear
    }

    let parts: [Part]

    /// `{mtime}` without a format: `2024-02-29T13:05:09Z`.
    static let iso8601 = TimeFormat(parts: [
        .year, .text("-"), .month, .text("-"), .day, .text("T"), .hour, .text(":"), .minute, .text(":"), .second, .text("Z"),
    ])

    static let directives = "%Y %m %d %H %M %S %j %%"

    private init(parts: [Part]) {
        self.parts = parts
    }

    init(_ format: String, in template: String) throws(TemplateError) {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(format)
        while let character = rest.popFirst() {
            guard character == "%" else {
                text.append(character)
                continue
            }
            let directive = rest.popFirst()
            let part: Part? =
                switch directive {
                case "Y": .year
                case "m": .month
                case "d": .day
                case "H": .hour
                case "M": .minute
                case "S": .second
                case "j": .dayOfYear
                default: nil
                }
            if directive == "%" {
                text.append("%")
                continue
            }
            guard let part else {
                let written = directive.map { "%\($0)" } ?? "a '%' at the end"
                throw TemplateError(
                    template: template, problem: "the time format has \(written), which is not supported",
                    fix: "use \(Self.directives) (UTC), and '%%' for a literal '%'")
            }
            if !text.isEmpty { parts.append(.text(text)) }
            text = ""
            parts.append(part)
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    func render(nanosecondsSinceEpoch nanoseconds: Int64) -> String {
        let time = CivilTime(secondsSinceEpoch: Self.floorDivide(nanoseconds, 1_000_000_000))
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .year: result += Self.padded(time.year, 4)
            case .month: result += Self.padded(time.month, 2)
            case .day: result += Self.padded(time.day, 2)
            case .hour: result += Self.padded(time.hour, 2)
            case .minute: result += Self.padded(time.minute, 2)
            case .second: result += Self.padded(time.second, 2)
            case .dayOfYear: result += Self.padded(time.dayOfYear, 3)
            }
        }
        return result
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let zeros = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + zeros + digits
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

/// A UTC date and time from seconds since 1970 (proleptic Gregorian calendar), by Howard Hinnant's
/// `civil_from_days`, which is exact for every day an `Int64` of seconds can name.
struct CivilTime: Equatable {
    let year, month, day, hour, minute, second, dayOfYear: Int64

    init(secondsSinceEpoch seconds: Int64) {
        let days = TimeFormat.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        let shifted = days + 719_468
        let era = TimeFormat.floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        // The year as computed starts on 1 March, so that the leap day is its last.
        let dayOfMarchYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfMarchYear + 2) / 153
        day = dayOfMarchYear - (153 * marchMonth + 2) / 5 + 1
        month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        dayOfYear = Self.daysBeforeMonth[Int(month - 1)] + day + (isLeap && month > 2 ? 1 : 0)
    }

    /// Days before each month in a common year; the leap day is added for months after February.
    private static let daysBeforeMonth: [Int64] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
}
