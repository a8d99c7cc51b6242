import SwiftletDevices
import SwiftletRuntime

/// UTCTime and GeneralizedTime in the forms RFC 5280 §4.1.2.5 requires: UTC (`Z`), seconds
/// present, no fractions. UTCTime years 50-99 are 19xx, 00-49 are 20xx.
enum DERTime {
    static func decode(tag: UInt8, content: ArraySlice<UInt8>) throws(DERError) -> WallClockTime {
        let digits: Int
        switch tag {
        case DERTag.utcTime: digits = 12
        case DERTag.generalizedTime: digits = 14
        default: throw .unexpectedTag
        }
        guard content.count == digits + 1, content.last == UInt8(ascii: "Z") else { throw .invalidValue("time form") }
        var fields: [Int] = []
        var index = content.startIndex
        while index < content.startIndex + digits {
            let high = content[index], low = content[index + 1]
            guard (0x30...0x39).contains(high), (0x30...0x39).contains(low) else { throw .invalidValue("time digit") }
            fields.append(Int(high - 0x30) * 10 + Int(low - 0x30))
            index += 2
        }
        var year: Int
        if digits == 12 {
            year = fields[0] >= 50 ? 1900 + fields[0] : 2000 + fields[0]
        } else {
            year = fields[0] * 100 + fields[1]
            fields.removeFirst()
        }
        let (month, day, hour, minute, second) = (fields[1], fields[2], fields[3], fields[4], fields[5])
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysIn(month: month, year: Int64(year)),
              hour < 24, minute < 60, second < 60 else { throw .invalidValue("time out of range") }
        return CivilTime(year: Int64(year), month: month, day: day, hour: hour, minute: minute, second: second).wallClockTime
    }

    /// `time` as RFC 5280 wants it: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950).
    static func encode(_ time: WallClockTime) -> (tag: UInt8, content: [UInt8]) {
        let civil = CivilTime(time)
        var out: [UInt8] = []
        let tag: UInt8
        let year = Int(max(0, min(9999, civil.year)))
        if (1950...2049).contains(year) {
            tag = DERTag.utcTime
            appendTwoDigits(year % 100, to: &out)
        } else {
            tag = DERTag.generalizedTime
            appendTwoDigits(year / 100, to: &out)
            appendTwoDigits(year % 100, to: &out)
        }
        for field in [civil.month, civil.day, civil.hour, civil.minute, civil.second] { appendTwoDigits(field, to: &out) }
        out.append(UInt8(ascii: "Z"))
        return (tag, out)
    }

    private static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
