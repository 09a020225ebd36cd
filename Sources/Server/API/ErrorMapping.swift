import Domain

/// The one place that maps refusals to HTTP statuses and WebSocket close codes.
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

    /// Maps any error a use case throws: domain refusals as they are, anything else (a store fault) as 503
    /// `unavailable`, never a 500 with internals.
    static func from(_ error: any Error) -> DomainError {
        (error as? DomainError) ?? .unavailable
    }
}
