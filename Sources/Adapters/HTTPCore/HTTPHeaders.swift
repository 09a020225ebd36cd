/// An ordered list of header fields; lookups ignore ASCII case, repeated fields are kept in order. The one header
/// type of the server, the HTTP client and the multipart parser.
package struct HTTPHeaders: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    private var fields: [(name: String, value: String)]

    /// No fields.
    package init() {
        self.fields = []
    }

    /// The given fields, in order.
    package init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Fields from a literal, in order: `["Content-Type": "text/plain"]`.
    package init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value of `name`, compared case-insensitively.
    package subscript(name: String) -> String? {
        self.fields.first { Self.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Every value of `name`, in the order received.
    package func values(for name: String) -> [String] {
        self.fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Appends a field, keeping any earlier one with the same name.
    package mutating func add(_ name: String, _ value: String) {
        self.fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    package mutating func replace(_ name: String, _ value: String) {
        self.remove(name)
        self.fields.append((name: name, value: value))
    }

    /// Removes every field named `name`.
    package mutating func remove(_ name: String) {
        self.fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// True when `name` is present.
    package func contains(_ name: String) -> Bool {
        self.fields.contains { Self.equalsIgnoringCase($0.name, name) }
    }

    /// True when a comma-separated value of `name` holds `token` (case-insensitive), as in
    /// `Connection: keep-alive, Upgrade`.
    package func containsToken(_ token: String, in name: String) -> Bool {
        for value in self.values(for: name) {
            for part in value.split(separator: ",") {
                if Self.equalsIgnoringCase(String(part.trimmingSpaces), token) { return true }
            }
        }
        return false
    }

    /// The number of fields.
    package var count: Int { self.fields.count }

    /// The fields in order, repeated names included.
    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        self.fields.makeIterator()
    }

    /// Field names only: values may carry credentials (an `Authorization` header, a presigned URL).
    package var description: String { "HTTPHeaders(\(self.fields.map(\.name).joined(separator: ", ")))" }

    package static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for field in self.fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }

    /// ASCII case-insensitive equality, as field names and tokens compare (RFC 9110 §5.1).
    package static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var i = a.utf8.makeIterator()
        var j = b.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                if (x | 0x20) != (y | 0x20) || !((x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) { return false }
            case (_?, nil), (nil, _?): return false
            }
        }
    }
}
