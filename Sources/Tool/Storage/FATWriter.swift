import Foundation

/// Writes a folder tree as a FAT file system image for the `fat` key-value store
/// (`swiftlet mkfs --fat DIR IMG`).
///
/// The image is a bare volume (no partition table) just large enough for the files plus a
/// little slack: FAT16 when the clusters fit FAT16's range, FAT32 otherwise. Every name that is
/// not already a plain uppercase 8.3 name gets a VFAT long name and a unique generated short name
/// (`NAME~1.EXT`). Folders come first, then each file's data in one contiguous run of clusters,
/// copied 1 MiB at a time. Timestamps are the files' modification times in UTC (so an image
/// does not depend on the time zone it was made in). The image is written to `IMG.partial`
/// and renamed into place when complete.
enum FATWriter {
    static func write(_ tree: DirectoryTree, to image: URL) throws(ToolError) {
        try write(tree, to: image, forceFAT32: false)
    }

    /// `forceFAT32` makes a FAT32 volume even for a tree that fits FAT16 (for tests, and for
    /// tools that only mount FAT32).
    static func write(_ tree: DirectoryTree, to image: URL, forceFAT32: Bool) throws(ToolError) {
        let folders = try FATFolderPlan.folders(of: tree)
        let layout = try FATLayout(folders: folders, files: tree.files, forceFAT32: forceFAT32)
        let allocation = layout.allocate(folders: folders, tree: tree)
        try FATImageOutput.write(layout: layout, folders: folders, allocation: allocation, tree: tree, to: image)
    }

    static let sectorSize = 512
    /// Cluster counts kept well inside each type's range (FAT16 is 4085 ..< 65525 clusters),
    /// since some implementations miscount near the edges.
    static let fat16Clusters = 4200...65400
    static let fat32MinimumClusters = 66000
    static let fat32MaximumClusters = 0x0FFF_FFF0
}

// MARK: - Names

/// A folder of the image and the directory records of its children.
struct FATFolderPlan {
    struct Child {
        /// Index in `DirectoryTree.entries`.
        var entry: Int
        /// The 11-byte 8.3 name.
        var shortName: [UInt8]
        /// The VFAT long name in UTF-16, when the name is not a plain uppercase 8.3 name.
        var longName: [UInt16]?

        /// The 32-byte records this child takes: its long-name parts and its short entry.
        var recordCount: Int { 1 + (longName.map { ($0.count + 12) / 13 } ?? 0) }
    }

    /// Index in `DirectoryTree.entries`, or `nil` for the root.
    var entry: Int?
    var children: [Child] = []

    var isRoot: Bool { entry == nil }
    /// Records in the folder: `.` and `..` (not in the root), then the children's.
    var recordCount: Int { (isRoot ? 0 : 2) + children.reduce(0) { $0 + $1.recordCount } }

    /// The folders of `tree`, root first, then in the tree's order (parents before children).
    static func folders(of tree: DirectoryTree) throws(ToolError) -> [FATFolderPlan] {
        var folders = [FATFolderPlan(entry: nil)]
        var folderIndex: [[String]: Int] = [[]: 0]
        var names: [[String]] = [[]]
        for (index, entry) in tree.entries.enumerated() {
            guard let parent = folderIndex[Array(entry.path.dropLast())] else {
                throw ToolError("\(entry.relativePath) comes before its folder")
            }
            if entry.isDirectory {
                folderIndex[entry.path] = folders.count
                folders.append(FATFolderPlan(entry: index))
                names.append([])
            }
            folders[parent].children.append(Child(entry: index, shortName: [], longName: nil))
            names[parent].append(entry.path.last ?? "")
        }
        for index in folders.indices {
            try folders[index].assignShortNames(names[index], tree: tree)
            if folders[index].recordCount > 65536 {
                throw ToolError("a folder holds too many entries for FAT (at most 65,536 records)",
                                hint: "split the files of \(folders[index].entry.map { tree.entries[$0].relativePath } ?? "the root") into subfolders")
            }
        }
        return folders
    }

    /// Plain 8.3 names keep their own short name; every other name gets a long name and a short
    /// name made from it, with a `~N` tail when it lost characters or is already taken.
    private mutating func assignShortNames(_ names: [String], tree: DirectoryTree) throws(ToolError) {
        var used = Set<[UInt8]>()
        for (index, name) in names.enumerated() {
            if let plain = FATNames.plainShortName(name), !used.contains(plain) {
                children[index].shortName = plain
                used.insert(plain)
            }
        }
        var nextTail: [[UInt8]: Int] = [:]
        for (index, name) in names.enumerated() where children[index].shortName.isEmpty {
            children[index].longName = try FATNames.longName(name, path: tree.entries[children[index].entry].relativePath)
            let basis = FATNames.basis(of: name)
            let whole = FATNames.padded(basis.base, 8) + FATNames.padded(basis.ext, 3)
            if !basis.lossy && !used.contains(whole) {
                children[index].shortName = whole
                used.insert(whole)
                continue
            }
            let key = whole
            var number = nextTail[key] ?? 1
            while true {
                let tail = Array("~\(number)".utf8)
                guard tail.count < 8 else { throw ToolError("too many similar names in one folder for FAT short names") }
                let candidate = FATNames.padded(Array(basis.base.prefix(8 - tail.count)) + tail, 8) + FATNames.padded(basis.ext, 3)
                number += 1
                if !used.contains(candidate) {
                    children[index].shortName = candidate
                    used.insert(candidate)
                    break
                }
            }
            nextTail[key] = number
        }
    }
}

/// The rules for 8.3 and VFAT names.
enum FATNames {
    /// Punctuation allowed in short names besides A–Z and 0–9.
    private static let specials = Set("$%'-_@~`!(){}^#&".utf8)

    static func isShortNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || specials.contains(byte)
    }

    static func padded(_ bytes: [UInt8], _ width: Int) -> [UInt8] {
        bytes + [UInt8](repeating: UInt8(ascii: " "), count: max(0, width - bytes.count))
    }

    /// The 11-byte short name if `name` already is a plain uppercase 8.3 name (`README.TXT`).
    static func plainShortName(_ name: String) -> [UInt8]? {
        let parts = Array(name.utf8).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let base = Array(parts[0]), ext = parts.count == 2 ? Array(parts[1]) : []
        guard (1...8).contains(base.count), ext.count <= 3, parts.count == 1 || !ext.isEmpty else { return nil }
        guard (base + ext).allSatisfy(isShortNameByte) else { return nil }
        return padded(base, 8) + padded(ext, 3)
    }

    /// The short name's basis from a long name: uppercased, spaces and extra dots dropped,
    /// other characters that short names cannot hold replaced by `_`, cut to 8 + 3. `lossy`
    /// says whether anything but case was lost, which calls for a `~N` tail.
    static func basis(of name: String) -> (base: [UInt8], ext: [UInt8], lossy: Bool) {
        var scalars = Array(name.unicodeScalars)
        var lossy = false
        while scalars.first == "." { scalars.removeFirst(); lossy = true }
        let dot = scalars.lastIndex(of: ".")
        func convert(_ part: ArraySlice<Unicode.Scalar>) -> [UInt8] {
            var bytes: [UInt8] = []
            for scalar in part {
                if scalar == " " || scalar == "." { lossy = true; continue }
                var value = scalar.value
                if value >= 0x61 && value <= 0x7A { value -= 0x20 }
                if value < 0x80 && isShortNameByte(UInt8(value)) {
                    bytes.append(UInt8(value))
                } else {
                    bytes.append(UInt8(ascii: "_"))
                    lossy = true
                }
            }
            return bytes
        }
        var base = convert(dot.map { scalars[..<$0] } ?? scalars[...])
        var ext = dot.map { convert(scalars[($0 + 1)...]) } ?? []
        if base.count > 8 { base = Array(base.prefix(8)); lossy = true }
        if ext.count > 3 { ext = Array(ext.prefix(3)); lossy = true }
        if base.isEmpty { base = [UInt8(ascii: "_")]; lossy = true }
        return (base, ext, lossy)
    }

    /// The name in UTF-16, checked against what VFAT long names may hold.
    static func longName(_ name: String, path: String) throws(ToolError) -> [UInt16] {
        for scalar in name.unicodeScalars where scalar.value < 0x20 || "\"*/:<>?\\|".unicodeScalars.contains(scalar) {
            throw ToolError("\(path): FAT names cannot contain control characters or any of \" * / : < > ? \\ |",
                            hint: "rename the file, or use the tar image (--tar)")
        }
        let units = Array(name.utf16)
        guard units.count <= 255 else {
            throw ToolError("\(path): the name is \(units.count) UTF-16 units long, more than FAT's 255", hint: "shorten the name")
        }
        return units
    }

    /// The VFAT checksum of an 11-byte short name, stored in each of its long-name records.
    static func checksum(_ shortName: [UInt8]) -> UInt8 {
        shortName.reduce(UInt8(0)) { sum, byte in (sum >> 1 | sum << 7) &+ byte }
    }
}

// MARK: - Geometry

/// The volume's geometry: FAT type, cluster size and the regions' sizes, in sectors.
struct FATLayout {
    var isFAT32: Bool
    var sectorsPerCluster: Int
    var clusterCount: Int
    var reservedSectors: Int
    var tableSectors: Int
    var rootEntryCount: Int
    var totalSectors: Int

    var bytesPerCluster: Int { sectorsPerCluster * FATWriter.sectorSize }
    var rootSectors: Int { rootEntryCount * 32 / FATWriter.sectorSize }
    var tableOffset: Int { reservedSectors * FATWriter.sectorSize }
    var rootOffset: Int { (reservedSectors + 2 * tableSectors) * FATWriter.sectorSize }
    var dataOffset: Int { (reservedSectors + 2 * tableSectors + rootSectors) * FATWriter.sectorSize }
    var byteCount: Int { totalSectors * FATWriter.sectorSize }

    func offset(ofCluster cluster: Int) -> Int { dataOffset + (cluster - 2) * bytesPerCluster }

    init(folders: [FATFolderPlan], files: [DirectoryTree.Entry], forceFAT32: Bool) throws(ToolError) {
        if let big = files.first(where: { $0.size > UInt64(UInt32.max) }) {
            throw ToolError("\(big.relativePath) is \(big.size) bytes; FAT files hold at most 4 GiB - 1", hint: "use the tar image (--tar)")
        }
        func clustersNeeded(_ sectorsPerCluster: Int, rootInClusters: Bool) -> Int {
            let size = sectorsPerCluster * FATWriter.sectorSize
            func clusters(_ bytes: Int) -> Int { (bytes + size - 1) / size }
            var total = 0
            for folder in folders where !folder.isRoot || rootInClusters { total += max(1, clusters(folder.recordCount * 32)) }
            for file in files { total += clusters(Int(file.size)) }
            return total
        }
        // Room for a few more files: a sixteenth of the data and at least 16 clusters.
        func withSlack(_ clusters: Int) -> Int { clusters + clusters / 16 + 16 }

        let rootRecords = folders[0].recordCount
        let rootEntryCount = max(512, (rootRecords + 15) / 16 * 16)
        if !forceFAT32 && rootEntryCount <= 65520 {
            for shift in 0...6 {
                let sectorsPerCluster = 1 << shift
                let wanted = withSlack(clustersNeeded(sectorsPerCluster, rootInClusters: false))
                guard wanted <= FATWriter.fat16Clusters.upperBound else { continue }
                self.init(isFAT32: false, sectorsPerCluster: sectorsPerCluster,
                          clusterCount: max(wanted, FATWriter.fat16Clusters.lowerBound), rootEntryCount: rootEntryCount)
                return
            }
        }
        // FAT32: 4 KiB clusters up to 8 GiB of data, larger ones beyond (as the specification's
        // table suggests), smaller ones for small trees so the minimum cluster count costs less.
        let data = clustersNeeded(8, rootInClusters: true) * 4096
        let gibibyte = 1 << 30
        var sectorsPerCluster = data > 32 * gibibyte ? 64 : data > 16 * gibibyte ? 32 : data > 8 * gibibyte ? 16 : 8
        while sectorsPerCluster > 1 && withSlack(clustersNeeded(sectorsPerCluster, rootInClusters: true)) < FATWriter.fat32MinimumClusters {
            sectorsPerCluster /= 2
        }
        let wanted = max(withSlack(clustersNeeded(sectorsPerCluster, rootInClusters: true)), FATWriter.fat32MinimumClusters)
        guard wanted <= FATWriter.fat32MaximumClusters else { throw ToolError("the files are too large for a FAT32 volume") }
        self.init(isFAT32: true, sectorsPerCluster: sectorsPerCluster, clusterCount: wanted, rootEntryCount: 0)
        guard totalSectors <= Int(UInt32.max) else { throw ToolError("the files are too large for a FAT32 volume (over 2 TiB)") }
    }

    private init(isFAT32: Bool, sectorsPerCluster: Int, clusterCount: Int, rootEntryCount: Int) {
        self.isFAT32 = isFAT32
        self.sectorsPerCluster = sectorsPerCluster
        self.clusterCount = clusterCount
        self.rootEntryCount = rootEntryCount
        reservedSectors = isFAT32 ? 32 : 1
        let tableBytes = (clusterCount + 2) * (isFAT32 ? 4 : 2)
        tableSectors = (tableBytes + FATWriter.sectorSize - 1) / FATWriter.sectorSize
        // The data region gets exactly `clusterCount` clusters, so readers count the same.
        totalSectors = reservedSectors + 2 * tableSectors + rootEntryCount * 32 / FATWriter.sectorSize + clusterCount * sectorsPerCluster
    }

    /// Where everything goes: folders first (the FAT32 root at cluster 2), then files, each in
    /// one run of clusters.
    func allocate(folders: [FATFolderPlan], tree: DirectoryTree) -> FATAllocation {
        var allocation = FATAllocation(folderClusters: [Int](repeating: 0, count: folders.count),
                                       fileClusters: [Int](repeating: 0, count: tree.entries.count),
                                       nextFree: 2, runs: [])
        func take(_ bytes: Int, minimum: Int) -> Int {
            let count = max(minimum, (bytes + bytesPerCluster - 1) / bytesPerCluster)
            guard count > 0 else { return 0 }
            let first = allocation.nextFree
            allocation.runs.append(FATAllocation.Run(first: first, count: count))
            allocation.nextFree += count
            return first
        }
        for (index, folder) in folders.enumerated() where isFAT32 || !folder.isRoot {
            allocation.folderClusters[index] = take(folder.recordCount * 32, minimum: 1)
            if let entry = folder.entry { allocation.fileClusters[entry] = allocation.folderClusters[index] }
        }
        for (index, entry) in tree.entries.enumerated() where !entry.isDirectory {
            allocation.fileClusters[index] = take(Int(entry.size), minimum: 0)
        }
        return allocation
    }
}

/// The clusters given to each folder and file.
struct FATAllocation {
    struct Run {
        var first: Int
        var count: Int
    }

    /// First cluster of each folder (0 for a FAT16 root).
    var folderClusters: [Int]
    /// First cluster of each entry of the tree, by index (0 for empty files).
    var fileClusters: [Int]
    var nextFree: Int
    var runs: [Run]
}

// MARK: - Writing

/// Writes the planned image to disk.
enum FATImageOutput {
    static func write(layout: FATLayout, folders: [FATFolderPlan], allocation: FATAllocation,
                      tree: DirectoryTree, to image: URL) throws(ToolError) {
        let partial = URL(fileURLWithPath: image.path + ".partial")
        try? FileManager.default.removeItem(at: partial)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw ToolError("cannot create \(partial.path)", hint: "check that the folder exists and is writable")
        }
        var finished = false
        defer { if !finished { try? FileManager.default.removeItem(at: partial) } }
        let output: FileHandle
        do { output = try FileHandle(forWritingTo: partial) } catch {
            throw ToolError("cannot open \(partial.path): \(error.localizedDescription)")
        }
        defer { try? output.close() }
        func put(_ bytes: [UInt8], at offset: Int) throws(ToolError) {
            do {
                try output.seek(toOffset: UInt64(offset))
                try output.write(contentsOf: Data(bytes))
            } catch {
                throw ToolError("cannot write \(partial.path): \(error.localizedDescription)")
            }
        }
        do {
            // Sized at once: unused clusters stay holes in a sparse file.
            try output.truncate(atOffset: UInt64(layout.byteCount))
        } catch {
            throw ToolError("cannot size \(partial.path) to \(layout.byteCount) bytes: \(error.localizedDescription)")
        }

        let volumeID = volumeIdentifier(tree)
        let boot = bootSector(layout, volumeID: volumeID)
        try put(boot, at: 0)
        if layout.isFAT32 {
            let info = fsInfoSector(free: layout.clusterCount - (allocation.nextFree - 2), nextFree: allocation.nextFree)
            try put(info, at: FATWriter.sectorSize)
            try put(boot, at: 6 * FATWriter.sectorSize)
            try put(info, at: 7 * FATWriter.sectorSize)
        }
        let table = allocationTable(layout, allocation: allocation)
        try put(table, at: layout.tableOffset)
        try put(table, at: layout.tableOffset + layout.tableSectors * FATWriter.sectorSize)

        let parentCluster = parentClusters(folders, allocation: allocation, tree: tree)
        for (index, folder) in folders.enumerated() {
            let records = directoryRecords(folder, index: index, allocation: allocation, parentCluster: parentCluster[index], tree: tree)
            let offset = folder.isRoot && !layout.isFAT32 ? layout.rootOffset : layout.offset(ofCluster: allocation.folderClusters[index])
            try put(records, at: offset)
        }

        for (index, entry) in tree.entries.enumerated() where !entry.isDirectory && entry.size > 0 {
            try copy(entry, to: output, at: layout.offset(ofCluster: allocation.fileClusters[index]), image: partial)
        }
        do {
            try output.synchronize()
        } catch {
            throw ToolError("cannot write \(partial.path): \(error.localizedDescription)")
        }
        guard rename(partial.path, image.path) == 0 else {
            throw ToolError("cannot rename \(partial.path) to \(image.path): \(String(cString: strerror(errno)))")
        }
        finished = true
    }

    /// Copies a file's bytes 1 MiB at a time, never holding it whole.
    private static func copy(_ entry: DirectoryTree.Entry, to output: FileHandle, at offset: Int, image: URL) throws(ToolError) {
        do {
            let input = try FileHandle(forReadingFrom: entry.url)
            defer { try? input.close() }
            try output.seek(toOffset: UInt64(offset))
            var remaining = entry.size
            while remaining > 0 {
                let chunk = try input.read(upToCount: Int(min(remaining, 1 << 20))) ?? Data()
                guard !chunk.isEmpty else {
                    throw ToolError("\(entry.relativePath) got shorter while the image was written", hint: "run mkfs again")
                }
                try output.write(contentsOf: chunk)
                remaining -= UInt64(chunk.count)
            }
        } catch let error as ToolError {
            throw error
        } catch {
            throw ToolError("cannot copy \(entry.relativePath) into \(image.path): \(error.localizedDescription)")
        }
    }

    /// The cluster each folder's `..` names: 0 for the root, as the specification wants.
    private static func parentClusters(_ folders: [FATFolderPlan], allocation: FATAllocation, tree: DirectoryTree) -> [Int] {
        var folderOfEntry: [Int: Int] = [:]
        for (index, folder) in folders.enumerated() { if let entry = folder.entry { folderOfEntry[entry] = index } }
        var parents = [Int](repeating: 0, count: folders.count)
        for (index, folder) in folders.enumerated() {
            for child in folder.children {
                if let childFolder = folderOfEntry[child.entry] {
                    parents[childFolder] = folder.isRoot ? 0 : allocation.folderClusters[index]
                }
            }
        }
        return parents
    }

    private static func directoryRecords(_ folder: FATFolderPlan, index: Int, allocation: FATAllocation,
                                         parentCluster: Int, tree: DirectoryTree) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(folder.recordCount * 32)
        if let entry = folder.entry {
            let modified = tree.entries[entry].modified
            let own = allocation.folderClusters[index]
            bytes += shortRecord(FATNames.padded([UInt8(ascii: ".")], 11), attributes: 0x10, cluster: own, size: 0, modified: modified)
            bytes += shortRecord(FATNames.padded(Array("..".utf8), 11), attributes: 0x10, cluster: parentCluster, size: 0, modified: modified)
        }
        for child in folder.children {
            let entry = tree.entries[child.entry]
            if let longName = child.longName {
                bytes += longNameRecords(longName, checksum: FATNames.checksum(child.shortName))
            }
            bytes += shortRecord(child.shortName, attributes: entry.isDirectory ? 0x10 : 0x20,
                                 cluster: allocation.fileClusters[child.entry], size: entry.isDirectory ? 0 : UInt32(entry.size),
                                 modified: entry.modified)
        }
        return bytes
    }

    /// Long-name records, last part first; the final part is NUL-terminated and padded with 0xFFFF.
    private static func longNameRecords(_ name: [UInt16], checksum: UInt8) -> [UInt8] {
        let count = (name.count + 12) / 13
        var units = name
        if units.count < count * 13 { units.append(0) }
        while units.count < count * 13 { units.append(0xFFFF) }
        var bytes: [UInt8] = []
        for order in stride(from: count, through: 1, by: -1) {
            var record = [UInt8](repeating: 0, count: 32)
            record[0] = UInt8(order) | (order == count ? 0x40 : 0)
            record[11] = 0x0F
            record[13] = checksum
            let part = units[((order - 1) * 13)..<(order * 13)]
            for (unit, offset) in zip(part, [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) {
                record[offset] = UInt8(unit & 0xFF)
                record[offset + 1] = UInt8(unit >> 8)
            }
            bytes += record
        }
        return bytes
    }

    private static func shortRecord(_ name: [UInt8], attributes: UInt8, cluster: Int, size: UInt32, modified: Date) -> [UInt8] {
        var record = name + [UInt8](repeating: 0, count: 21)
        record[11] = attributes
        let (date, time) = dosDateTime(modified)
        put16(time, into: &record, at: 14)
        put16(date, into: &record, at: 16)
        put16(date, into: &record, at: 18)
        put16(UInt16(truncatingIfNeeded: cluster >> 16), into: &record, at: 20)
        put16(time, into: &record, at: 22)
        put16(date, into: &record, at: 24)
        put16(UInt16(truncatingIfNeeded: cluster), into: &record, at: 26)
        put32(size, into: &record, at: 28)
        return record
    }

    /// The date and time fields, in UTC, clamped to FAT's 1980–2107.
    static func dosDateTime(_ date: Date) -> (date: UInt16, time: UInt16) {
        var seconds = time_t(max(315_532_800, min(4_354_819_198, Int(date.timeIntervalSince1970.rounded(.down)))))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = UInt16(parts.tm_year + 1900 - 1980), month = UInt16(parts.tm_mon + 1), day = UInt16(parts.tm_mday)
        let hour = UInt16(parts.tm_hour), minute = UInt16(parts.tm_min), second = UInt16(parts.tm_sec / 2)
        return (year << 9 | month << 5 | day, hour << 11 | minute << 5 | second)
    }

    private static func bootSector(_ layout: FATLayout, volumeID: UInt32) -> [UInt8] {
        var sector = [UInt8](repeating: 0, count: FATWriter.sectorSize)
        let extended = layout.isFAT32 ? 64 : 36  // where the drive number and label fields start
        sector[0] = 0xEB
        sector[1] = UInt8(extended + 26 - 2)  // jump over the parameter block to the boot code
        sector[2] = 0x90
        sector.replaceSubrange(3..<11, with: Array("SWIFTLET".utf8))
        put16(UInt16(FATWriter.sectorSize), into: &sector, at: 11)
        sector[13] = UInt8(layout.sectorsPerCluster)
        put16(UInt16(layout.reservedSectors), into: &sector, at: 14)
        sector[16] = 2
        put16(UInt16(layout.rootEntryCount), into: &sector, at: 17)
        if !layout.isFAT32 && layout.totalSectors < 0x10000 {
            put16(UInt16(layout.totalSectors), into: &sector, at: 19)
        } else {
            put32(UInt32(layout.totalSectors), into: &sector, at: 32)
        }
        sector[21] = 0xF8
        if !layout.isFAT32 { put16(UInt16(layout.tableSectors), into: &sector, at: 22) }
        put16(32, into: &sector, at: 24)  // sectors per track and heads: nominal values
        put16(64, into: &sector, at: 26)
        if layout.isFAT32 {
            put32(UInt32(layout.tableSectors), into: &sector, at: 36)
            put32(2, into: &sector, at: 44)  // root folder cluster
            put16(1, into: &sector, at: 48)  // FSInfo sector
            put16(6, into: &sector, at: 50)  // backup boot sector
        }
        sector[extended] = 0x80  // drive number
        sector[extended + 2] = 0x29  // extended boot signature: the next three fields are valid
        put32(volumeID, into: &sector, at: extended + 3)
        sector.replaceSubrange((extended + 7)..<(extended + 18), with: Array("NO NAME    ".utf8))
        sector.replaceSubrange((extended + 18)..<(extended + 26), with: Array((layout.isFAT32 ? "FAT32   " : "FAT16   ").utf8))
        // Boot code: halt forever (this volume is data, not bootable).
        sector.replaceSubrange((extended + 26)..<(extended + 30), with: [0xFA, 0xF4, 0xEB, 0xFD])
        sector[510] = 0x55
        sector[511] = 0xAA
        return sector
    }

    private static func fsInfoSector(free: Int, nextFree: Int) -> [UInt8] {
        var sector = [UInt8](repeating: 0, count: FATWriter.sectorSize)
        put32(0x4161_5252, into: &sector, at: 0)
        put32(0x6141_7272, into: &sector, at: 484)
        put32(UInt32(free), into: &sector, at: 488)
        put32(UInt32(nextFree), into: &sector, at: 492)
        put32(0xAA55_0000, into: &sector, at: 508)
        return sector
    }

    private static func allocationTable(_ layout: FATLayout, allocation: FATAllocation) -> [UInt8] {
        let width = layout.isFAT32 ? 4 : 2
        var table = [UInt8](repeating: 0, count: layout.tableSectors * FATWriter.sectorSize)
        let end: UInt32 = layout.isFAT32 ? 0x0FFF_FFFF : 0xFFFF
        func set(_ cluster: Int, _ value: UInt32) {
            if width == 4 { put32(value, into: &table, at: cluster * 4) } else { put16(UInt16(truncatingIfNeeded: value), into: &table, at: cluster * 2) }
        }
        set(0, layout.isFAT32 ? 0x0FFF_FFF8 : 0xFFF8)  // the media byte, 0xF8
        set(1, end)
        for run in allocation.runs {
            for cluster in run.first..<(run.first + run.count - 1) { set(cluster, UInt32(cluster + 1)) }
            set(run.first + run.count - 1, end)
        }
        return table
    }

    /// A serial number that depends only on the tree, so equal trees give equal images.
    private static func volumeIdentifier(_ tree: DirectoryTree) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for entry in tree.entries {
            for byte in Array(entry.relativePath.utf8) + withUnsafeBytes(of: entry.size.littleEndian, Array.init) {
                hash = (hash ^ UInt32(byte)) &* 0x0100_0193
            }
        }
        return hash
    }

    private static func put16(_ value: UInt16, into bytes: inout [UInt8], at offset: Int) {
        bytes[offset] = UInt8(value & 0xFF)
        bytes[offset + 1] = UInt8(value >> 8)
    }

    private static func put32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        put16(UInt16(value & 0xFFFF), into: &bytes, at: offset)
        put16(UInt16(value >> 16), into: &bytes, at: offset + 2)
    }
}
