import SwiftletDevices

extension CivilTime {
    /// The civil time with these fields (proleptic Gregorian calendar, UTC). The fields are
    /// taken as given; callers check ranges (`daysIn(month:year:)`).
    public init(year: Int64, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The moment this civil time names, the inverse of `init(_:)`.
    public var wallClockTime: WallClockTime {
        // Years counted from March, so the leap day is the last day of a year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return WallClockTime(secondsSinceEpoch: days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// The number of days in `month` (1-12) of `year`.
    public static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
