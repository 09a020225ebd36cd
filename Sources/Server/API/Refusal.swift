import Domain

/// A refusal as the API states it: a use case's `DomainError`, or a request the server could not read at all.
///
/// The second kind is the transport's business, not the domain's: a body that is not JSON, a WebSocket event of
/// no known type, a multipart form that breaks its own framing. REST answers it 400 `invalid_request`, a
/// WebSocket `invalid_message` (ErrorMapping.swift says how each refusal is told).
enum Refusal: Error, Hashable, Sendable {
    case domain(DomainError)
    /// The request (or event) cannot be read as one: why, in a sentence.
    case malformed(String)

    /// Any error a route or a session meets: refusals as they are, a store fault (or anything unexpected) as 503
    /// `unavailable`, never a 500 with internals.
    init(_ error: any Error) {
        switch error {
        case let refusal as Refusal: self = refusal
        case let domain as DomainError: self = .domain(domain)
        default: self = .domain(.unavailable)
        }
    }

    var code: String {
        switch self {
        case .domain(let error): error.code
        case .malformed: "invalid_request"
        }
    }

    var message: String {
        switch self {
        case .domain(let error): error.message
        case .malformed(let reason): reason
        }
    }
}
