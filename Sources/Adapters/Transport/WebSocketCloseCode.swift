/// A WebSocket close status code (RFC 6455 §7.4), named where the protocol or this service gives it a meaning.
///
/// Written as a number only on the wire: everything above the codec speaks these names, so a code is chosen in
/// one place (the server's error mapping) and read in every other.
package enum WebSocketCloseCode: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// 1000: the purpose of the connection is fulfilled.
    case normal
    /// 1001: the server is shutting down (clients reconnect and resume).
    case goingAway
    /// 1002: the peer broke the framing rules.
    case protocolError
    /// 1003: a kind of message this endpoint does not accept (binary on a text-only socket).
    case unsupportedData
    /// 1007: a text message that is not valid UTF-8.
    case invalidPayload
    /// 1008: the peer may no longer use the connection (token expired or revoked, access removed).
    case policyViolation
    /// 1009: a message over the size limit.
    case messageTooBig
    /// 1011: the server cannot serve the connection (a backing service failed).
    case internalError
    /// 1013: the peer cannot keep up; it should reconnect and resume.
    case tryAgainLater
    /// Any other code: registered ones this service does not send, and 3000-4999 for applications.
    case other(UInt16)

    /// The code for a number received on the wire or written in a test.
    package init(_ code: UInt16) {
        switch code {
        case 1000: self = .normal
        case 1001: self = .goingAway
        case 1002: self = .protocolError
        case 1003: self = .unsupportedData
        case 1007: self = .invalidPayload
        case 1008: self = .policyViolation
        case 1009: self = .messageTooBig
        case 1011: self = .internalError
        case 1013: self = .tryAgainLater
        default: self = .other(code)
        }
    }

    package init(integerLiteral value: UInt16) {
        self.init(value)
    }

    /// The number on the wire.
    package var code: UInt16 {
        switch self {
        case .normal: 1000
        case .goingAway: 1001
        case .protocolError: 1002
        case .unsupportedData: 1003
        case .invalidPayload: 1007
        case .policyViolation: 1008
        case .messageTooBig: 1009
        case .internalError: 1011
        case .tryAgainLater: 1013
        case .other(let code): code
        }
    }

    /// RFC 6455 §7.4: the codes a peer may put in a close frame; 1004-1006 and 1015 are reserved for reports,
    /// 1016-2999 are unassigned.
    package var mayBeSent: Bool {
        switch self.code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    package var description: String { String(self.code) }
}
