import Application
import Domain
import Foundation
import Transport

/// `GET /api/config` and `GET /api/openapi.json`: what a client needs before it signs in (no token).
struct ServiceRoutes {
    let endpoint: Endpoint

    func register(on router: Router) {
        let endpoint = self.endpoint
        let services = endpoint.services
        let config = Self.configuration(services)
        router.add(.get, "/api/config") { _ in endpoint.json(200, config) }
        router.add(.get, "/api/openapi.json") { _ in HTTPResponse.json(200, OpenAPIDocument.bytes) }
    }

    /// The settings and limits of API.md a client shows or checks before sending (an addition to the contract).
    static func configuration(_ services: Services) -> JSONValue {
        func number(_ value: Int) -> JSONValue { .number(Double(value)) }
        return .object([
            "report_timezone": .string(services.reportTimeZone.identifier),
            "edit_window_seconds": .number(EditWindowPolicy().length),
            "message_rate_per_second": .number(services.messageRate),
            "message_burst": .number(2 * services.messageRate),
            "max_text_bytes": number(ContentRules.maximumTextBytes),
            "max_readings_bytes": number(ContentRules.maximumReadingsBytes),
            "max_metadata_bytes": number(SendMessage.maximumMetadataBytes),
            "max_client_id_bytes": number(SendMessage.maximumClientIDLength),
            "max_upload_bytes": .object([
                "image": number(FilePolicy.imageLimit), "document": number(FilePolicy.documentLimit),
                "log": number(FilePolicy.logLimit),
            ]),
            // SocketRoutes accepts room events up to 1 MiB (a larger one closes the connection with 1009).
            "max_websocket_message_bytes": number(1 << 20),
            "page_limit_max": number(ReadHistory.limits.upperBound),
            "search_min_characters": number(SearchHighlighter.minimumQueryLength),
            "typing_expiry_seconds": .number(SetTyping.expiry),
            "read_receipt_interval_seconds": .number(ReadReceiptCoalescer.interval),
            "catch_up_max_messages": number(CatchUp.Limits().maximumMessages),
            "announcement_max_characters": number(Announcement.maximumCharacters),
            "announcement_lifetime_seconds": .number(Announcement.lifetime),
        ])
    }
}
