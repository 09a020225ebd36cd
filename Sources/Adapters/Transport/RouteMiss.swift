/// Why no route answered a request, for `Router.fallback`.
package enum RouteMiss: Sendable, Equatable {
    case notFound
    /// The path exists for other methods.
    case methodNotAllowed(allowed: [HTTPMethod])
}
