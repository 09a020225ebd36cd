extension String {
    /// The string without leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingCharacters() -> String {
        String(Substring(self).trimmingSpaces)
    }
}
