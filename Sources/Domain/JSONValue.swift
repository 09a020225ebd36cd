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
package struct JSONObject: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    package init() {}

    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    package var count: Int { self.keys.count }
    package var isEmpty: Bool { self.keys.isEmpty }

    package subscript(key: String) -> JSONValue? {
        get { self.values[key] }
        set {
            if let newValue {
                if self.values.updateValue(newValue, forKey: key) == nil { self.keys.append(key) }
            } else if self.values.removeValue(forKey: key) != nil {
                self.keys.removeAll { $0 == key }
            }
        }
    }

    package func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        var index = self.keys.startIndex
        let keys = self.keys
        let values = self.values
        return AnyIterator {
            guard index < keys.endIndex else { return nil }
            defer { index += 1 }
            return (keys[index], values[keys[index]]!)
        }
    }
}
