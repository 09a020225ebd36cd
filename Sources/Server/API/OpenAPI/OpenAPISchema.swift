import Domain

/// Builders for the JSON Schema pieces of the OpenAPI document, so that each shape of API.md is written once.
enum OpenAPISchema {
    static func ref(_ name: String) -> JSONValue {
        .object(["$ref": .string("#/components/schemas/\(name)")])
    }

    static func string(
        _ description: String? = nil, format: String? = nil, values: [String]? = nil, minLength: Int? = nil,
        maxLength: Int? = nil, nullable: Bool = false
    ) -> JSONValue {
        var object: JSONObject = ["type": nullable ? .array([.string("string"), .string("null")]) : .string("string")]
        if let format { object["format"] = .string(format) }
        if let values { object["enum"] = .array(values.map { .string($0) } + (nullable ? [.null] : [])) }
        if let minLength { object["minLength"] = .number(Double(minLength)) }
        if let maxLength { object["maxLength"] = .number(Double(maxLength)) }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func integer(
        _ description: String? = nil, minimum: Int? = nil, maximum: Int? = nil, nullable: Bool = false
    ) -> JSONValue {
        var object: JSONObject = [
            "type": nullable ? .array([.string("integer"), .string("null")]) : .string("integer")
        ]
        if let minimum { object["minimum"] = .number(Double(minimum)) }
        if let maximum { object["maximum"] = .number(Double(maximum)) }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func number(_ description: String? = nil) -> JSONValue {
        var object: JSONObject = ["type": .string("number")]
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func boolean(_ description: String? = nil) -> JSONValue {
        var object: JSONObject = ["type": .string("boolean")]
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static let time = Self.string("ISO-8601 in UTC with milliseconds and Z", format: "date-time")
    static let optionalTime = Self.string(
        "ISO-8601 in UTC with milliseconds and Z, or null", format: "date-time", nullable: true)
    static let uuid = Self.string(format: "uuid")

    static func array(_ items: JSONValue, maxItems: Int? = nil) -> JSONValue {
        var object: JSONObject = ["type": .string("array"), "items": items]
        if let maxItems { object["maxItems"] = .number(Double(maxItems)) }
        return .object(object)
    }

    /// An object with `properties` in order; `required` names the properties every instance has.
    static func object(
        _ properties: KeyValuePairs<String, JSONValue>, required: [String]? = nil, description: String? = nil
    ) -> JSONValue {
        var props = JSONObject()
        for (name, schema) in properties { props[name] = schema }
        var object: JSONObject = ["type": .string("object"), "properties": .object(props)]
        let names = required ?? properties.map(\.key)
        if !names.isEmpty { object["required"] = .array(names.map { .string($0) }) }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    /// `schema` or null.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        .object(["oneOf": .array([schema, .object(["type": .string("null")])])])
    }

    /// Any JSON object (free-form).
    static let anyObject: JSONValue = .object(["type": .string("object")])
}
