import Domain
import Testing

struct DomainErrorTests {
    /// Every case and its API.md code.
    static let cases: [(DomainError, String)] = [
        (.invalidParameter(name: "x", reason: "r"), "invalid_request"), (.unauthorized, "unauthorized"),
        (.invalidCredentials, "invalid_credentials"), (.forbidden, "forbidden"),
        (.insufficientPermissions, "insufficient_permissions"), (.notOwner, "not_owner"),
        (.editWindowExpired(seconds: 900), "edit_window_expired"), (.notFound("Room"), "not_found"),
        (.conflict("x"), "conflict"),
        (.roomArchived, "room_archived"), (.fileTooLarge(limit: 1), "payload_too_large"),
        (.messageTooLarge(limit: 1), "message_too_large"), (.unsupportedMediaType("x"), "unsupported_media_type"),
        (.validationFailed(field: "f", reason: "r"), "validation_failed"),
        (.rateLimited(retryAfterSeconds: 1), "rate_limited"),
        (.unavailable, "unavailable"), (.directoryUnavailable, "directory_unavailable"),
        (.storageUnavailable, "storage_unavailable"),
    ]

    @Test(arguments: Self.cases)
    func mapsToTheAPICode(_ error: DomainError, _ code: String) {
        #expect(error.code == code)
        #expect(!error.message.isEmpty)
    }

    @Test func messagesCarryTheirDetails() {
        #expect(DomainError.notFound("Room").message == "Room was not found.")
        #expect(
            DomainError.validationFailed(field: "emoji", reason: "must be exactly one emoji").message
                == "emoji: must be exactly one emoji")
        #expect(DomainError.rateLimited(retryAfterSeconds: 7).message.contains("7"))
        #expect(DomainError.messageTooLarge(limit: 10_240).message.contains("10240"))
    }
}
