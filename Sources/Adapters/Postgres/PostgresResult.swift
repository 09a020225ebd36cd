internal import CLibPQ
package import Domain
package import Foundation

/// The rows of one statement, in PostgreSQL's binary format; owns the `PGresult` and frees it when released.
///
/// Confined to the thread that ran the statement (it never leaves a `withConnection` body).
package final class PostgresResult {
    private let handle: OpaquePointer
    package let rowCount: Int
    package let columnCount: Int
    private let columnIndex: [String: Int]

    init(taking handle: OpaquePointer) {
        self.handle = handle
        self.rowCount = Int(PQntuples(handle))
        self.columnCount = Int(PQnfields(handle))
        var columnIndex: [String: Int] = [:]
        for column in 0..<self.columnCount {
            if let name = PQfname(handle, Int32(column)) { columnIndex[String(cString: name)] = column }
        }
        self.columnIndex = columnIndex
    }

    deinit { PQclear(self.handle) }

    /// Rows affected by an INSERT, UPDATE or DELETE (`PQcmdTuples`).
    package var affectedRows: Int {
        guard let text = PQcmdTuples(self.handle) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    package var rows: [PostgresRow] { (0..<self.rowCount).map { PostgresRow(result: self, index: $0) } }

    package var first: PostgresRow? { self.rowCount > 0 ? PostgresRow(result: self, index: 0) : nil }

    func column(named name: String) throws(PostgresError) -> Int {
        guard let column = self.columnIndex[name] else { throw PostgresError(.decoding) }
        return column
    }

    func decode<T: PostgresDecodable>(_ type: T.Type, row: Int, column: Int) throws(PostgresError) -> T {
        guard column >= 0, column < self.columnCount, row < self.rowCount else { throw PostgresError(.decoding) }
        let oid = UInt32(PQftype(self.handle, Int32(column)))
        if PQgetisnull(self.handle, Int32(row), Int32(column)) == 1 { return try T.decode(nil, oid: oid) }
        let length = Int(PQgetlength(self.handle, Int32(row), Int32(column)))
        guard let value = PQgetvalue(self.handle, Int32(row), Int32(column)) else { throw PostgresError(.decoding) }
        return try T.decode(UnsafeRawBufferPointer(start: value, count: length), oid: oid)
    }
}

@available(*, unavailable) extension PostgresResult: Sendable {}

/// One row of a `PostgresResult`; columns by index or by name.
package struct PostgresRow {
    let result: PostgresResult
    let index: Int

    package func decode<T: PostgresDecodable>(_ type: T.Type, at column: Int) throws(PostgresError) -> T {
        try self.result.decode(type, row: self.index, column: column)
    }

    package func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws(PostgresError) -> T {
        try self.result.decode(type, row: self.index, column: try self.result.column(named: column))
    }
}

/// A Swift type read from a binary-format column. `bytes` is nil for SQL NULL.
package protocol PostgresDecodable {
    static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Self
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Self {
        guard let bytes else { return nil }
        return try Wrapped.decode(bytes, oid: oid)
    }
}

enum PostgresBinary {
    static func required(_ bytes: UnsafeRawBufferPointer?) throws(PostgresError) -> UnsafeRawBufferPointer {
        guard let bytes else { throw PostgresError(.decoding) }
        return bytes
    }

    static func integer(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0, size: Int) throws(PostgresError) -> Int64 {
        guard offset + size <= bytes.count else { throw PostgresError(.decoding) }
        var value: UInt64 = 0
        for index in offset..<(offset + size) { value = value << 8 | UInt64(bytes[index]) }
        // Sign-extend the narrower types.
        let shift = UInt64(64 - size * 8)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }
}

extension Int64: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Int64 {
        let bytes = try PostgresBinary.required(bytes)
        switch oid {
        case PostgresOID.int8: return try PostgresBinary.integer(bytes, size: 8)
        case PostgresOID.int4: return try PostgresBinary.integer(bytes, size: 4)
        case PostgresOID.int2: return try PostgresBinary.integer(bytes, size: 2)
        default: throw PostgresError(.decoding)
        }
    }
}

extension Int: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Int {
        Int(try Int64.decode(bytes, oid: oid))
    }
}

extension Double: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Double {
        let bytes = try PostgresBinary.required(bytes)
        switch oid {
        case PostgresOID.float8:
            return Double(bitPattern: UInt64(bitPattern: try PostgresBinary.integer(bytes, size: 8)))
        case PostgresOID.float4:
            let bits = UInt32(truncatingIfNeeded: try PostgresBinary.integer(bytes, size: 4))
            return Double(Float(bitPattern: bits))
        case PostgresOID.int8, PostgresOID.int4, PostgresOID.int2:
            return Double(try Int64.decode(bytes, oid: oid))
        default: throw PostgresError(.decoding)
        }
    }
}

extension Bool: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Bool {
        let bytes = try PostgresBinary.required(bytes)
        guard oid == PostgresOID.bool, bytes.count == 1 else { throw PostgresError(.decoding) }
        return bytes[0] != 0
    }
}

extension String: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> String {
        let bytes = try PostgresBinary.required(bytes)
        switch oid {
        case PostgresOID.text, PostgresOID.varchar, PostgresOID.name, PostgresOID.bpchar, PostgresOID.json:
            return String(decoding: bytes, as: UTF8.self)
        case PostgresOID.jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.count >= 1, bytes[0] == 1 else { throw PostgresError(.decoding) }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[1...]), as: UTF8.self)
        default:
            throw PostgresError(.decoding)
        }
    }
}

extension UUID: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> UUID {
        let bytes = try PostgresBinary.required(bytes)
        guard oid == PostgresOID.uuid, bytes.count == 16 else { throw PostgresError(.decoding) }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: bytes) }
        return UUID(uuid: uuid)
    }
}

extension Date: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> Date {
        let bytes = try PostgresBinary.required(bytes)
        guard oid == PostgresOID.timestamptz || oid == PostgresOID.timestamp else { throw PostgresError(.decoding) }
        return PostgresTime.date(microsecondsSince2000: try PostgresBinary.integer(bytes, size: 8))
    }
}

extension JSONValue: PostgresDecodable {
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> JSONValue {
        let text = try String.decode(bytes, oid: oid)
        do {
            return try JSONParser(maximumDepth: 64).parse(text)
        } catch {
            throw PostgresError(.decoding)
        }
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Binary array layout: ndim, has-null flag, element OID, then (size, lower bound) per dimension, then each
    /// element as a length (-1 for NULL) and its bytes. Only one-dimensional arrays are used here.
    package static func decode(_ bytes: UnsafeRawBufferPointer?, oid: UInt32) throws(PostgresError) -> [Element] {
        let bytes = try PostgresBinary.required(bytes)
        let dimensions = try PostgresBinary.integer(bytes, at: 0, size: 4)
        let elementOID = UInt32(truncatingIfNeeded: try PostgresBinary.integer(bytes, at: 8, size: 4))
        guard dimensions != 0 else { return [] }
        guard dimensions == 1 else { throw PostgresError(.decoding) }
        let count = Int(try PostgresBinary.integer(bytes, at: 12, size: 4))
        var offset = 20
        var output: [Element] = []
        output.reserveCapacity(count)
        for _ in 0..<count {
            let length = Int(try PostgresBinary.integer(bytes, at: offset, size: 4))
            offset += 4
            if length < 0 {
                output.append(try Element.decode(nil, oid: elementOID))
                continue
            }
            guard offset + length <= bytes.count else { throw PostgresError(.decoding) }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
            output.append(try Element.decode(slice, oid: elementOID))
            offset += length
        }
        return output
    }
}
