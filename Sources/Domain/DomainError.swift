/// Every refusal the service gives, one case per API.md error code.
///
/// The server maps each case to its HTTP status and WebSocket error in one place; nothing else invents codes.
package enum DomainError: Error, Hashable, Sendable {
    /// A parameter outside what the use case accepts (a page size of 0, a one-letter search).
    case invalidParameter(name: String, reason: String)
    case unauthorized
    case invalidCredentials
    /// The caller may not see the room or resource at all (not a member).
    case forbidden
    /// The caller's role does not allow the action.
    case insufficientPermissions
    /// Only the message's sender may do this.
    case notOwner
    /// The edit window (`EditWindowPolicy`, of this many seconds) has closed.
    case editWindowExpired(seconds: Int)
    case notFound(String)
    case conflict(String)
    case roomArchived
    /// A file over the limit of its type.
    case fileTooLarge(limit: Int)
    case messageTooLarge(limit: Int)
    case unsupportedMediaType(String)
    case validationFailed(field: String, reason: String)
    case rateLimited(retryAfterSeconds: Int)
    case unavailable
    case directoryUnavailable
    case storageUnavailable

    /// The snake_case code of API.md.
    package var code: String {
        switch self {
        case .invalidParameter: "invalid_request"
        case .unauthorized: "unauthorized"
        case .invalidCredentials: "invalid_credentials"
        case .forbidden: "forbidden"
        case .insufficientPermissions: "insufficient_permissions"
        case .notOwner: "not_owner"
        case .editWindowExpired: "edit_window_expired"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .roomArchived: "room_archived"
        case .fileTooLarge: "payload_too_large"
        case .messageTooLarge: "message_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .validationFailed: "validation_failed"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .directoryUnavailable: "directory_unavailable"
        case .storageUnavailable: "storage_unavailable"
        }
    }

    /// A sentence for people; never contains secrets or message bodies.
    package var message: String {
        switch self {
        case .invalidParameter(let name, let reason): "\(name) \(reason)."
        case .unauthorized: "A valid token is required."
        case .invalidCredentials: "The username or password is not correct."
        case .forbidden: "You do not have access to this room."
        case .insufficientPermissions: "Your role in this room does not allow this."
        case .notOwner: "Only the sender of a message may do this."
        case .editWindowExpired(let seconds):
            "Messages can only be edited within \(seconds % 60 == 0 ? "\(seconds / 60) minutes" : "\(seconds) seconds") of sending."
        case .notFound(let what): "\(what) was not found."
        case .conflict(let reason): reason
        case .roomArchived: "The room is archived and read-only."
        case .fileTooLarge(let limit): "The file is larger than \(limit) bytes."
        case .messageTooLarge(let limit): "The message is larger than \(limit) bytes."
        case .unsupportedMediaType(let reason): reason
        case .validationFailed(let field, let reason): "\(field): \(reason)"
        case .rateLimited(let seconds): "Too many requests; retry in \(seconds) s."
        case .unavailable: "The service is temporarily unavailable."
        case .directoryUnavailable: "The directory cannot be reached."
        case .storageUnavailable: "File storage cannot be reached."
        }
    }
}
