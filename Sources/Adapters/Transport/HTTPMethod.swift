/// An HTTP request method, kept as its token so that unknown methods can be answered with 501.
package struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token as sent (`GET`); methods are case-sensitive (RFC 9110 §9.1).
    package var rawValue: String

    /// Any method token; only `supported` ones are routed.
    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `GET`.
    package static let get = HTTPMethod(rawValue: "GET")
    /// `POST`.
    package static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`.
    package static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`.
    package static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`.
    package static let delete = HTTPMethod(rawValue: "DELETE")
    /// `HEAD` (served by the `GET` route without a body).
    package static let head = HTTPMethod(rawValue: "HEAD")
    /// `OPTIONS`.
    package static let options = HTTPMethod(rawValue: "OPTIONS")

    /// The methods this server implements; any other token is answered with 501.
    package static let supported: Set<HTTPMethod> = [.get, .post, .put, .patch, .delete, .head, .options]

    /// The token.
    package var description: String { self.rawValue }
}
