import Domain

extension MultipartError {
    /// The refusal the API gives for it.
    var refusal: Refusal {
        switch self {
        case .missingBoundary: .malformed("The body must be multipart/form-data with a boundary.")
        case .malformed(let reason): .malformed("Malformed multipart body: \(reason).")
        case .truncated: .malformed("The multipart body ends before its closing delimiter.")
        case .headersTooLarge(let limit): .malformed("A part's headers are larger than \(limit) bytes.")
        case .tooManyParts(let limit): .malformed("The form has more than \(limit) parts.")
        case .tooLarge(let limit): .domain(.fileTooLarge(limit: Int(limit)))
        case .missingPart(let name):
            .domain(.validationFailed(field: name, reason: "a file part with a filename is required"))
        case .duplicatePart(let name):
            .domain(.validationFailed(field: name, reason: "only one file may be uploaded at a time"))
        }
    }
}
