import SwiftletDevices

/// Answers already received, kept for their time to live (RFC 1035 §7.4), at most `capacity`
/// of them: when full, the entry closest to expiry makes room.
struct DNSCache {
    struct Key: Hashable {
        var name: DNSName
        var type: DNSRecordType
    }

    struct Entry {
        var data: [DNSRecordData]
        var expiresAt: MonotonicInstant
    }

    let capacity: Int
    private(set) var entries: [Key: Entry] = [:]

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// The cached data for `key`, if it has not expired (an expired entry is removed).
    mutating func lookup(_ key: Key, now: MonotonicInstant) -> [DNSRecordData]? {
        guard let entry = entries[key] else { return nil }
        guard now < entry.expiresAt else {
            entries[key] = nil
            return nil
        }
        return entry.data
    }

    /// Keeps `data` for `timeToLive` seconds; a TTL of 0 is not cached (RFC 1035 §3.2.1).
    mutating func insert(_ key: Key, _ data: [DNSRecordData], timeToLive: UInt32, now: MonotonicInstant) {
        guard timeToLive > 0, capacity > 0 else { return }
        if entries[key] == nil, entries.count >= capacity {
            // Expired entries first, else the soonest to expire.
            var victim: Key? = nil
            var soonest = MonotonicInstant(nanoseconds: .max)
            for (candidate, entry) in entries where entry.expiresAt < soonest {
                victim = candidate
                soonest = entry.expiresAt
            }
            if let victim { entries[victim] = nil }
        }
        entries[key] = Entry(data: data, expiresAt: now + .seconds(Int64(timeToLive)))
    }
}
