import Domain
import Transport

/// The one place that maps refusals to HTTP statuses, WebSocket error codes and WebSocket close codes.
extension DomainError {
    var httpStatus: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthorized, .invalidCredentials: 401
        case .forbidden, .insufficientPermissions, .notOwner, .editWindowExpired: 403
        case .notFound: 404
        case .conflict, .roomArchived: 409
        case .payloadTooLarge, .messageTooLarge: 413
        case .unsupportedMediaType: 415
        case .validationFailed: 422
        case .rateLimited: 429
        case .unavailable, .directoryUnavailable, .storageUnavailable: 503
        case .invalidMessage: 400
        }
    }

    /// A refused WebSocket event, in the codes of API.md's WebSocket section and no others: a bad field (or any
    /// other refusal of the request itself) is `invalid_message`, naming the field when there is one.
    var onWebSocket: (code: String, message: String, field: String?) {
        switch self {
        case .validationFailed(let field, _): ("invalid_message", self.message, field)
        case .invalidRequest, .invalidMessage, .conflict, .unsupportedMediaType: ("invalid_message", self.message, nil)
        case .payloadTooLarge, .messageTooLarge: ("message_too_large", self.message, nil)
        case .forbidden, .insufficientPermissions: ("insufficient_permissions", self.message, nil)
        case .notFound, .notOwner, .editWindowExpired, .roomArchived, .rateLimited:
            (self.code, self.message, nil)
        case .unauthorized, .invalidCredentials, .unavailable, .directoryUnavailable, .storageUnavailable:
            // Not answered on the socket: these close it (`closeCode`).
            ("invalid_message", self.message, nil)
        }
    }

    /// Whether a refusal ends the WebSocket instead of being answered on it, and with which code: a token that is
    /// gone or an access that was removed (1008), a backing service that failed (1013: reconnect, resume, retry).
    var closeCode: WebSocketCloseCode? {
        switch self {
        case .unauthorized, .invalidCredentials: .policyViolation
        case .unavailable, .directoryUnavailable, .storageUnavailable: .tryAgainLater
        case .invalidRequest, .forbidden, .insufficientPermissions, .notOwner, .editWindowExpired, .notFound,
            .conflict, .roomArchived, .payloadTooLarge, .messageTooLarge, .unsupportedMediaType, .validationFailed,
            .rateLimited, .invalidMessage:
            nil
        }
    }

    /// How a room socket whose opening failed is closed: a room it may not see (1008) or a service that failed
    /// (1013).
    var openingCloseCode: WebSocketCloseCode {
        self.closeCode ?? (self == .forbidden || self == .notFound("Room") ? .policyViolation : .internalError)
    }

    /// Maps any error a use case throws: domain refusals as they are, anything else (a store fault) as 503
    /// `unavailable`, never a 500 with internals.
    static func from(_ error: any Error) -> DomainError {
        (error as? DomainError) ?? .unavailable
    }
}
