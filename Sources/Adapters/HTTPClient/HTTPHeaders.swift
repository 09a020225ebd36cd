/// An ordered list of header fields with case-insensitive lookup, as HTTP defines them.
package struct HTTPHeaders: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    package private(set) var fields: [(name: String, value: String)]

    package init() { self.fields = [] }

    package init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }

    package init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// The first value of the field, or nil.
    package subscript(name: String) -> String? {
        self.fields.first(where: { Self.same($0.name, name) })?.value
    }

    package func values(_ name: String) -> [String] {
        self.fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    package func contains(_ name: String) -> Bool { self.fields.contains(where: { Self.same($0.name, name) }) }

    package mutating func add(_ name: String, _ value: String) { self.fields.append((name: name, value: value)) }

    /// Replaces every field of that name by one, or appends it.
    package mutating func set(_ name: String, _ value: String) {
        self.remove(name)
        self.add(name, value)
    }

    package mutating func remove(_ name: String) { self.fields.removeAll(where: { Self.same($0.name, name) }) }

    package func makeIterator() -> some IteratorProtocol<(name: String, value: String)> { self.fields.makeIterator() }

    /// Field names only: values may carry credentials.
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

    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}
