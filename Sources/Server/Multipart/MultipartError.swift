/// Why a multipart body was refused.
package enum MultipartError: Error, Hashable, Sendable {
    /// Not `multipart/form-data`, or no valid `boundary` parameter.
    case missingBoundary
    case malformed(String)
    /// The input ended before the closing delimiter.
    case truncated
    case headersTooLarge(limit: Int)
    case tooManyParts(limit: Int)
    case tooLarge(limit: Int64)
    /// The form has no part of that name (or no filename on it).
    case missingPart(String)
    case duplicatePart(String)
}
