/// The attributes of one search result, keyed by lower-cased attribute name.
struct LDAPEntry {
    var distinguishedName: String
    var values: [String: [String]]

    func first(_ attribute: String) -> String? {
        self.values[attribute.lowercased()]?.first { !$0.isEmpty }
    }

    func all(_ attribute: String) -> [String] {
        self.values[attribute.lowercased()] ?? []
    }
}
