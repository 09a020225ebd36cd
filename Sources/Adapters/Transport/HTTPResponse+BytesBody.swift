extension HTTPResponse {
    /// The body bytes, or nil for a streamed body (a rejection or fixed answer streams nothing).
    var bytesBody: [UInt8] {
        switch self.body {
        case .bytes(let bytes): bytes
        case .stream: []
        }
    }
}
