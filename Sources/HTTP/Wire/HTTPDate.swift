import SwiftletDevices
import SwiftletRuntime

/// HTTP's date format, IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `time` in IMF-fixdate (fractions of a second dropped).
    public static func format(_ time: WallClockTime) -> String {
        let civil = CivilTime(time)
        var days = time.secondsSinceEpoch / 86_400
        if time.secondsSinceEpoch % 86_400 < 0 { days -= 1 }
        var weekday = Int(days % 7)
        if weekday < 0 { weekday += 7 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        bytes.append(contentsOf: weekdays[weekday].utf8)
        bytes.append(contentsOf: ", ".utf8)
        appendTwoDigits(civil.day, to: &bytes)
        bytes.append(ASCII.space)
        bytes.append(contentsOf: months[civil.month - 1].utf8)
        bytes.append(ASCII.space)
        let year = Int(max(0, min(9999, civil.year)))
        appendTwoDigits(year / 100, to: &bytes)
        appendTwoDigits(year % 100, to: &bytes)
        bytes.append(ASCII.space)
        appendTwoDigits(civil.hour, to: &bytes)
        bytes.append(ASCII.colon)
        appendTwoDigits(civil.minute, to: &bytes)
        bytes.append(ASCII.colon)
        appendTwoDigits(civil.second, to: &bytes)
        bytes.append(contentsOf: " GMT".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The time an IMF-fixdate names, or `nil` if `text` is not one.
    public static func parse(_ text: String) -> WallClockTime? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == ASCII.space, bytes[7] == ASCII.space,
              bytes[11] == ASCII.space, bytes[16] == ASCII.space, bytes[19] == ASCII.colon, bytes[22] == ASCII.colon,
              bytes[25...].elementsEqual(" GMT".utf8),
              let day = ASCII.decimal(bytes[5..<7]), let year = ASCII.decimal(bytes[12..<16]),
              let hour = ASCII.decimal(bytes[17..<19]), let minute = ASCII.decimal(bytes[20..<22]),
              let second = ASCII.decimal(bytes[23..<25]),
              let monthIndex = months.firstIndex(where: { $0.utf8.elementsEqual(bytes[8..<11]) }),
              (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let days = daysSinceEpoch(year: Int64(year), month: Int64(monthIndex + 1), day: Int64(day))
        return WallClockTime(secondsSinceEpoch: days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Years counted from March, so the leap day is the last day of a year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func appendTwoDigits(_ value: Int, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
