import Domain
import Foundation

/// A JSON request body or WebSocket event, read field by field with clear errors.
///
/// Malformed JSON is a `Refusal.malformed` (400 `invalid_request`); a field of the wrong type or value is
/// `validation_failed` naming the field.
struct RequestBody {
    /// Bodies nest little; deeper documents are refused before they cost anything.
    static let maximumDepth = 16

    let object: JSONObject

    init(object: JSONObject) {
        self.object = object
    }

    init(bytes: [UInt8]) throws(Refusal) {
        guard !bytes.isEmpty else { throw .malformed("The request body must be a JSON object.") }
        let value: JSONValue
        do {
            value = try JSONParser(maximumDepth: Self.maximumDepth).parse(bytes)
        } catch {
            throw .malformed("The request body is not valid JSON: \(error.description).")
        }
        guard case .object(let object) = value else { throw .malformed("The request body must be a JSON object.") }
        self.object = object
    }

    func has(_ name: String) -> Bool { self.object[name] != nil }

    func string(_ name: String) throws(DomainError) -> String? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case .some: throw .validationFailed(field: name, reason: "must be a string")
        }
    }

    func requiredString(_ name: String) throws(DomainError) -> String {
        guard let value = try self.string(name) else { throw .validationFailed(field: name, reason: "is required") }
        return value
    }

    func bool(_ name: String) throws(DomainError) -> Bool? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case .some: throw .validationFailed(field: name, reason: "must be true or false")
        }
    }

    func strings(_ name: String) throws(DomainError) -> [String]? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw .validationFailed(field: name, reason: "must be a list of strings")
                }
                strings.append(text)
            }
            return strings
        case .some: throw .validationFailed(field: name, reason: "must be a list of strings")
        }
    }

    func objectValue(_ name: String) throws(DomainError) -> JSONObject? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        case .some: throw .validationFailed(field: name, reason: "must be an object")
        }
    }

    func enumeration<T: RawRepresentable>(_ name: String, _: T.Type) throws(DomainError) -> T?
    where T.RawValue == String {
        guard let text = try self.string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw .validationFailed(field: name, reason: "has an unknown value")
        }
        return value
    }

    func uuid<T: UUIDIdentifier>(_ name: String, _: T.Type) throws(DomainError) -> T? {
        guard let text = try self.string(name) else { return nil }
        guard let id = T(text) else { throw .validationFailed(field: name, reason: "must be a UUID") }
        return id
    }
}
