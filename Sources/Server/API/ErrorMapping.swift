import Domain
import Transport

/// The one place that maps refusals to HTTP statuses, WebSocket error codes and WebSocket close codes.
extension Refusal {
    var httpStatus: Int {
        switch self {
        case .malformed: 400
        case .domain(let error):
            switch error {
            case .invalidParameter: 400
            case .unauthorized, .invalidCredentials: 401
            case .forbidden, .insufficientPermissions, .notOwner, .editWindowExpired: 403
            case .notFound: 404
            case .conflict, .roomArchived: 409
            case .fileTooLarge, .messageTooLarge: 413
            case .unsupportedMediaType: 415
            case .validationFailed: 422
            case .rateLimited: 429
            case .unavailable, .directoryUnavailable, .storageUnavailable: 503
            }
        }
    }

    /// A refused WebSocket event, in the codes of API.md's WebSocket section and no others: a bad field (or any
    /// other refusal of the event itself) is `invalid_message`, naming the field when there is one.
    var onWebSocket: (code: String, message: String, field: String?) {
        switch self {
        case .malformed(let reason): return ("invalid_message", reason, nil)
        case .domain(let error):
            switch error {
            case .validationFailed(let field, _): return ("invalid_message", error.message, field)
            case .invalidParameter(let name, _): return ("invalid_message", error.message, name)
            case .conflict, .unsupportedMediaType: return ("invalid_message", error.message, nil)
            case .fileTooLarge, .messageTooLarge: return ("message_too_large", error.message, nil)
            case .forbidden, .insufficientPermissions: return ("insufficient_permissions", error.message, nil)
            case .notFound, .notOwner, .editWindowExpired, .roomArchived, .rateLimited:
                return (error.code, error.message, nil)
            case .unauthorized, .invalidCredentials, .unavailable, .directoryUnavailable, .storageUnavailable:
                // Not answered on the socket: these close it (`closeCode`).
                return ("invalid_message", error.message, nil)
            }
        }
    }

    /// Whether a refusal ends the WebSocket instead of being answered on it, and with which code: a token that is
    /// gone (1008), a backing service that failed (1013: reconnect, resume, retry).
    var closeCode: WebSocketCloseCode? {
        guard case .domain(let error) = self else { return nil }
        switch error {
        case .unauthorized, .invalidCredentials: return .policyViolation
        case .unavailable, .directoryUnavailable, .storageUnavailable: return .tryAgainLater
        case .invalidParameter, .forbidden, .insufficientPermissions, .notOwner, .editWindowExpired, .notFound,
            .conflict, .roomArchived, .fileTooLarge, .messageTooLarge, .unsupportedMediaType, .validationFailed,
            .rateLimited:
            return nil
        }
    }

    /// How a room socket whose opening failed is closed: a room it may not see (1008), else as `closeCode`, else
    /// 1011.
    var openingCloseCode: WebSocketCloseCode {
        if let code = self.closeCode { return code }
        switch self {
        case .domain(.forbidden), .domain(.notFound): return .policyViolation
        case .domain, .malformed: return .internalError
        }
    }
}
