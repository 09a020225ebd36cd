package import Domain
package import Foundation

/// One bound statement parameter: its type OID, wire format and bytes (nil for SQL NULL).
///
/// Values always travel as parameters, never spliced into SQL. Fixed-width types go in binary; text, JSON and
/// arrays go as text, so a NUL byte in them is refused (`PostgresError.Code.nulInParameter`) rather than truncated.
package struct PostgresBind: Sendable {
    package var oid: UInt32
    /// 0 text, 1 binary.
    package var format: Int32
    package var bytes: [UInt8]?

    package init(oid: UInt32, format: Int32, bytes: [UInt8]?) {
        self.oid = oid
        self.format = format
        self.bytes = bytes
    }

    package static func text(_ value: String?) -> Self {
        Self(oid: PostgresOID.text, format: 0, bytes: value.map { Array($0.utf8) })
    }

    package static func int(_ value: Int64?) -> Self {
        Self(oid: PostgresOID.int8, format: 1, bytes: value.map { Self.bigEndian(UInt64(bitPattern: $0)) })
    }

    package static func int(_ value: Int?) -> Self { .int(value.map { Int64($0) }) }

    package static func double(_ value: Double?) -> Self {
        Self(oid: PostgresOID.float8, format: 1, bytes: value.map { Self.bigEndian($0.bitPattern) })
    }

    package static func bool(_ value: Bool?) -> Self {
        Self(oid: PostgresOID.bool, format: 1, bytes: value.map { [$0 ? 1 : 0] })
    }

    package static func uuid(_ value: UUID?) -> Self {
        Self(
            oid: PostgresOID.uuid, format: 1, bytes: value.map { uuid in withUnsafeBytes(of: uuid.uuid) { Array($0) } })
    }

    /// A `timestamptz`, to the microsecond (PostgreSQL's precision).
    package static func date(_ value: Date?) -> Self {
        Self(
            oid: PostgresOID.timestamptz, format: 1,
            bytes: value.map { Self.bigEndian(UInt64(bitPattern: PostgresTime.microseconds(since2000: $0))) })
    }

    /// A `json` value (kept as written: key order and all).
    package static func json(_ value: JSONValue?) -> Self {
        Self(oid: PostgresOID.json, format: 0, bytes: value.map { JSONWriter.encode($0) })
    }

    /// A `jsonb` value (normalized by the server; used where queries need operators).
    package static func jsonb(_ value: JSONValue?) -> Self {
        Self(oid: PostgresOID.jsonb, format: 0, bytes: value.map { JSONWriter.encode($0) })
    }

    /// A `text[]`; nil elements are SQL NULLs.
    package static func textArray(_ values: [String?]?) -> Self {
        Self(oid: PostgresOID.textArray, format: 0, bytes: values.map(PostgresArrayLiteral.bytes))
    }

    package static func textArray(_ values: [String]) -> Self { .textArray(values.map { Optional($0) }) }

    /// An array of `oid`-typed elements written as text (e.g. `uuid[]`, `int8[]`), for `unnest` bulk inserts.
    package static func array(oid: UInt32, _ values: [String?]) -> Self {
        Self(oid: oid, format: 0, bytes: PostgresArrayLiteral.bytes(values))
    }

    /// A one-dimensional array in PostgreSQL's binary array format, of elements already in their binary form (as
    /// the scalar binds make them: `uuid`, `int8`, `timestamptz`); nil elements are NULLs.
    package static func binaryArray(of elementOID: UInt32, _ elements: [[UInt8]?]) -> Self {
        guard let arrayOID = PostgresOID.arrayOf[elementOID] else {
            preconditionFailure("no array type for \(elementOID)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20 + elements.reduce(0) { $0 + 4 + ($1?.count ?? 0) })
        func append(_ value: Int32) { bytes += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        append(elements.isEmpty ? 0 : 1)  // dimensions
        append(elements.contains { $0 == nil } ? 1 : 0)  // has NULLs
        append(Int32(bitPattern: elementOID))
        if !elements.isEmpty {
            append(Int32(elements.count))
            append(1)  // lower bound
        }
        for element in elements {
            guard let element else {
                append(-1)
                continue
            }
            append(Int32(element.count))
            bytes += element
        }
        return Self(oid: arrayOID, format: 1, bytes: bytes)
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// The type OIDs of pg_type that the adapter sends or decodes (stable across PostgreSQL versions).
package enum PostgresOID {
    package static let bool: UInt32 = 16
    package static let bytea: UInt32 = 17
    package static let name: UInt32 = 19
    package static let int8: UInt32 = 20
    package static let int2: UInt32 = 21
    package static let int4: UInt32 = 23
    package static let text: UInt32 = 25
    package static let json: UInt32 = 114
    package static let float4: UInt32 = 700
    package static let float8: UInt32 = 701
    package static let bpchar: UInt32 = 1042
    package static let varchar: UInt32 = 1043
    package static let textArray: UInt32 = 1009
    package static let int8Array: UInt32 = 1016
    package static let float8Array: UInt32 = 1022
    package static let timestamp: UInt32 = 1114
    package static let timestamptz: UInt32 = 1184
    package static let timestamptzArray: UInt32 = 1185
    package static let uuid: UInt32 = 2950
    package static let uuidArray: UInt32 = 2951
    package static let jsonb: UInt32 = 3802
    package static let jsonArray: UInt32 = 199
    package static let jsonbArray: UInt32 = 3807

    /// The array types of the element types sent in binary arrays.
    static let arrayOf: [UInt32: UInt32] = [uuid: uuidArray, int8: int8Array, timestamptz: timestamptzArray]
}

/// PostgreSQL's array literal syntax (`{"a","b\"c",NULL}`), quoting every element so no content is special.
enum PostgresArrayLiteral {
    static func encode(_ values: [String?]) -> String {
        String(decoding: Self.bytes(values), as: UTF8.self)
    }

    static func bytes(_ values: [String?]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            guard let value else {
                output += "NULL".utf8
                continue
            }
            output.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { output.append(UInt8(ascii: "\\")) }
                output.append(byte)
            }
            output.append(UInt8(ascii: "\""))
        }
        output.append(UInt8(ascii: "}"))
        return output
    }
}

/// Conversions between `Date` and PostgreSQL's microseconds since 2000-01-01 UTC.
enum PostgresTime {
    /// 2000-01-01 is 366 days before Foundation's reference date 2001-01-01.
    private static let microsecondsFrom2000To2001: Int64 = 31_622_400 * 1_000_000

    static func microseconds(since2000 date: Date) -> Int64 {
        // One rounding relative to the reference date keeps dates given to the microsecond exact on the way back.
        Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded()) + Self.microsecondsFrom2000To2001
    }

    static func date(microsecondsSince2000 value: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(value - Self.microsecondsFrom2000To2001) / 1_000_000)
    }
}
