/// A JSON value: incident readings, message metadata and event payloads.
///
/// Objects keep their keys in insertion order, so readings appear in a report in the order the operator sent them.
package enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    package subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    package var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    package var numberValue: Double? {
        guard case .number(let value) = self else { return nil }
        return value
    }

    package var objectValue: JSONObject? {
        guard case .object(let value) = self else { return nil }
        return value
    }
}

/// A JSON object with unique keys in insertion order.
///
/// Members are kept in one array and found by a linear scan while the object is small (every event the service
/// writes has fewer than 20 keys: comparing a few short strings is cheaper than hashing each key to build a
/// dictionary, and writing needs no lookups at all). An object built key by key (the parser) keeps a key index as
/// well past `indexThreshold` members, so that a hostile request body with thousands of keys is still parsed, and
/// duplicate keys refused, in linear time; a literal in code has neither problem and keeps none.
package struct JSONObject: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Member = (key: String, value: JSONValue)

    private var members: [Member] = []
    private var index: [String: Int]?
    private static let indexThreshold = 16

    package init() {}

    /// Keys written in code are distinct (checked in debug builds), so they are appended as they are, without the
    /// setter's scan per key or its index (a message's object has 19 keys, and every broadcast builds several). Its
    /// few lookups scan; the index is built if it grows by a key.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        assert(Set(elements.map(\.0)).count == elements.count, "a JSONObject literal repeats a key")
        self.members = elements.map { (key: $0.0, value: $0.1) }
    }

    package var keys: [String] { self.members.map(\.key) }
    package var count: Int { self.members.count }
    package var isEmpty: Bool { self.members.isEmpty }

    package subscript(key: String) -> JSONValue? {
        get { self.position(of: key).map { self.members[$0].value } }
        set {
            switch (self.position(of: key), newValue) {
            case (let position?, let value?):
                self.members[position].value = value
            case (nil, let value?):
                self.members.append((key, value))
                if self.index != nil {
                    self.index?[key] = self.members.count - 1
                } else if self.members.count > Self.indexThreshold {
                    self.rebuildIndex()
                }
            case (let position?, nil):
                self.members.remove(at: position)
                if self.index != nil { self.rebuildIndex() }
            case (nil, nil):
                break
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[Member]> {
        self.members.makeIterator()
    }

    private func position(of key: String) -> Int? {
        if let index = self.index { return index[key] }
        return self.members.firstIndex { $0.key == key }
    }

    private mutating func rebuildIndex() {
        var index = [String: Int](minimumCapacity: self.members.count)
        for (position, member) in self.members.enumerated() { index[member.key] = position }
        self.index = index
    }

    /// Equal when the same keys hold equal values in the same order.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.members.count)
        for member in self.members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}
