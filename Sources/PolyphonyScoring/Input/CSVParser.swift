import PolyphonyCore

/// Parses RFC 4180 CSV: comma-separated fields, `"`-quoted fields that may hold commas,
/// line breaks and doubled quotes, records ended by CRLF or LF, and a header row.
///
/// Errors name the file and the physical line, so a user can find the bad record in an editor.
package struct CSVParser: Sendable {
    /// One data record: its fields by header name, and where it started.
    package struct Record: Sendable, Hashable {
        /// The 1-based physical line the record starts on.
        package var line: Int
        package var fields: [String]
    }

    /// The parsed file: the header names in order and every non-blank data record.
    package struct Table: Sendable, Hashable {
        package var header: [String]
        package var records: [Record]

        /// The position of a column, matched case-insensitively and ignoring surrounding spaces.
        package func column(_ name: String) -> Int? {
            let wanted = name.lowercased()
            return header.firstIndex { $0.trimmingSpaces().lowercased() == wanted }
        }
    }

    /// The file name errors mention.
    package let file: String?

    package init(file: String? = nil) {
        self.file = file
    }

    /// Splits `bytes` into records of fields, without a header.
    /// - Returns: Each record with the line it starts on. Completely blank lines are skipped.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` for an unterminated quote,
    ///   text after a closing quote, a stray quote inside an unquoted field, or invalid UTF-8.
    package func records(_ bytes: [UInt8]) throws -> [Record] {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var index = 0
        // A byte-order mark is not part of the first header name.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var fieldWasQuoted = false
        var recordHasContent = false

        func finishField() throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw PolyphonyError.invalidInput("field \(fields.count + 1) is not valid UTF-8", file: file, line: recordLine)
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func finishRecord() throws {
            try finishField()
            if recordHasContent || fields.count > 1 {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
            recordHasContent = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                guard field.isEmpty, !fieldWasQuoted else {
                    throw PolyphonyError.invalidInput(
                        "a quote inside an unquoted field; quote the whole field and double inner quotes (\"\")",
                        file: file, line: line)
                }
                // Quoted field: runs to the next quote not followed by another quote.
                let openedOn = line
                fieldWasQuoted = true
                recordHasContent = true
                index += 1
                var closed = false
                while index < bytes.count {
                    let inner = bytes[index]
                    if inner == quote {
                        if index + 1 < bytes.count, bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    if inner == lf { line += 1 }
                    field.append(inner)
                    index += 1
                }
                guard closed else {
                    throw PolyphonyError.invalidInput("quoted field opened here is never closed", file: file, line: openedOn)
                }
                if index < bytes.count {
                    let next = bytes[index]
                    guard next == comma || next == lf || next == cr else {
                        throw PolyphonyError.invalidInput(
                            "text after a closing quote; a quoted field must end at a comma or line end",
                            file: file, line: line)
                    }
                }
                continue
            }
            if byte == comma {
                try finishField()
                recordHasContent = true
                index += 1
                continue
            }
            if byte == lf || byte == cr {
                if byte == cr, index + 1 < bytes.count, bytes[index + 1] == lf { index += 1 }
                try finishRecord()
                index += 1
                line += 1
                recordLine = line
                continue
            }
            guard !fieldWasQuoted else {
                throw PolyphonyError.invalidInput(
                    "text after a closing quote; a quoted field must end at a comma or line end", file: file, line: line)
            }
            if byte != 0x20, byte != 0x09 { recordHasContent = true }
            field.append(byte)
            index += 1
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted {
            try finishRecord()
        }
        return records
    }

    /// Parses a file whose first record names the columns.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` for malformed CSV, an empty
    ///   file, duplicate column names, or a record whose field count differs from the header's.
    package func table(_ bytes: [UInt8]) throws -> Table {
        let all = try records(bytes)
        guard let headerRecord = all.first else {
            throw PolyphonyError.invalidInput("empty CSV file: expected a header row", file: file, line: 1)
        }
        let header = headerRecord.fields
        var seen: Set<String> = []
        for name in header {
            let key = name.trimmingSpaces().lowercased()
            guard !key.isEmpty else {
                throw PolyphonyError.invalidInput("the header row has an empty column name", file: file, line: headerRecord.line)
            }
            guard seen.insert(key).inserted else {
                throw PolyphonyError.invalidInput("the header row names column '\(name)' twice", file: file, line: headerRecord.line)
            }
        }
        let rows = all.dropFirst()
        for row in rows where row.fields.count != header.count {
            throw PolyphonyError.invalidInput(
                "expected \(header.count) fields as in the header, found \(row.fields.count)", file: file, line: row.line)
        }
        return Table(header: header, records: Array(rows))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
