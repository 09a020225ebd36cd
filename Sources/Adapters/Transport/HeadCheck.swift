/// A route's decision on a request from its head alone, before any of its body is read.
///
/// Lets a server refuse an unauthenticated or unauthorized upload with 401/403 without receiving (or spooling to
/// disk) 20 MB first, and without sending `100 Continue` to a client it will refuse.
package enum HeadCheck: Sendable {
    /// Read the body and run the handler; `context` (what the check learned, such as the authenticated caller)
    /// reaches the handler as `HTTPRequest.context`.
    case proceed(context: (any Sendable)?)
    /// Answer with this response without reading the body, and close the connection.
    case reject(HTTPResponse)
}
