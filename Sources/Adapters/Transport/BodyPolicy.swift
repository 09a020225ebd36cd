/// How a route receives its request body.
package enum BodyPolicy: Sendable {
    /// Collect the body in memory, refusing more than `limit` bytes with 413.
    case buffer(limit: Int)
    /// Write the body to a temporary file as it arrives (never whole in memory), refusing more than `limit` bytes
    /// with 413. The handler gets `bodyFile`; the file is deleted after the handler returns.
    case spoolToFile(limit: Int)

    var limit: Int {
        switch self {
        case .buffer(let limit), .spoolToFile(let limit): limit
        }
    }
}
