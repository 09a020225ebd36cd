internal import CLDAP
internal import Foundation

/// One libldap session (`LDAP*`), used by one thread from open to close and always unbound.
///
/// `LDAPUserDirectory` opens one for the service search and a fresh one for the user's bind, on its own queue, and
/// drops both before returning; `deinit` unbinds on every path, errors included.
final class LDAPConnection {
    private var handle: OpaquePointer?
    private let timeout: timeval

    /// Creates the session and sets its options; with StartTLS this already talks to the server.
    init(configuration: LDAPConfiguration) throws(LDAPDirectoryError) {
        let components = configuration.timeout.components
        self.timeout = timeval(
            tv_sec: Int(components.seconds),
            tv_usec: Int(components.attoseconds / 1_000_000_000_000)
        )
        var handle: OpaquePointer?
        let status = ldap_initialize(&handle, configuration.url)
        self.handle = handle
        guard status == LDAP_SUCCESS, handle != nil else {
            throw LDAPDirectoryError(.operationFailed, operation: "initialize", resultCode: status)
        }
        do throws(LDAPDirectoryError) {
            try self.configure(configuration)
            if configuration.startTLS {
                let status = ldap_start_tls_s(handle, nil, nil)
                guard status == LDAP_SUCCESS else {
                    // Down or silent is reachability; anything else here is the TLS handshake or the certificate.
                    let isReachability = status == LDAP_SERVER_DOWN || status == LDAP_TIMEOUT
                    throw self.failure(status, operation: "start_tls", code: isReachability ? nil : .tlsFailure)
                }
            }
        } catch {
            self.close()
            throw error
        }
    }

    deinit {
        self.close()
    }

    /// Unbinds and frees the session; safe to call twice.
    func close() {
        guard let handle = self.handle else { return }
        self.handle = nil
        // ldap_unbind_ext_s frees the handle whatever it returns; there is nothing to do about a failed unbind.
        _ = ldap_unbind_ext_s(handle, nil, nil)
    }

    // MARK: - Operations

    /// A simple bind (RFC 4513 §5.1.3). An empty `password` is refused here too: the server would treat it as an
    /// anonymous bind and report success.
    func bind(dn: String, password: [UInt8], operation: String) throws(LDAPDirectoryError) {
        guard !password.isEmpty else { throw LDAPDirectoryError(.refusedInput, operation: operation) }
        var status: Int32 = LDAP_SUCCESS
        var bytes = password
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                var credential = berval(bv_len: ber_len_t(buffer.count), bv_val: pointer)
                // The mechanism nil is LDAP_SASL_SIMPLE, a pointer macro Swift does not import.
                status = ldap_sasl_bind_s(self.handle, dn, nil, &credential, nil, nil, nil)
            }
        }
        // Best effort: the copy handed to libldap does not outlive this call.
        for index in bytes.indices { bytes[index] = 0 }
        guard status == LDAP_SUCCESS else {
            let refused: LDAPDirectoryError.Code =
                operation == "service_bind" ? .serviceAccountRefused : .invalidCredentials
            throw self.failure(status, operation: operation, code: Self.isRefusal(status) ? refused : nil)
        }
    }

    /// The entries under `base` that match `filter`, with `attributes`; at most `limit` of them.
    ///
    /// More than `limit` matches is `.ambiguousUser` (the server stops at the size limit and says so), unless
    /// `truncating`: then the entries up to the limit are the answer (a people search shows the first ones).
    func search(
        base: String,
        filter: String,
        attributes: [String],
        limit: Int32,
        truncating: Bool = false
    ) throws(LDAPDirectoryError)
        -> [LDAPEntry]
    {
        var names: [UnsafeMutablePointer<CChar>?] = attributes.map { strdup($0) }
        names.append(nil)
        defer { for name in names { free(name) } }
        var result: OpaquePointer?
        var timeout = self.timeout
        let status = names.withUnsafeMutableBufferPointer { names in
            ldap_search_ext_s(
                self.handle,
                base,
                LDAP_SCOPE_SUBTREE,
                filter,
                names.baseAddress,
                0,
                nil,
                nil,
                &timeout,
                limit,
                &result
            )
        }
        defer { if let result { ldap_msgfree(result) } }
        if status == LDAP_SIZELIMIT_EXCEEDED && !truncating {
            throw LDAPDirectoryError(.ambiguousUser, operation: "search", resultCode: status)
        }
        guard status == LDAP_SUCCESS || status == LDAP_SIZELIMIT_EXCEEDED else {
            throw self.failure(status, operation: "search", code: nil)
        }
        var entries: [LDAPEntry] = []
        var entry = ldap_first_entry(self.handle, result)
        while let current = entry {
            entries.append(self.read(current, attributes: attributes))
            entry = ldap_next_entry(self.handle, current)
        }
        return entries
    }

    // MARK: - Helpers

    private func configure(_ configuration: LDAPConfiguration) throws(LDAPDirectoryError) {
        var version: Int32 = LDAP_VERSION3
        var timeout = self.timeout
        var demand: Int32 = LDAP_OPT_X_TLS_DEMAND
        var statuses = [
            ldap_set_option(self.handle, LDAP_OPT_PROTOCOL_VERSION, &version),
            ldap_set_option(self.handle, LDAP_OPT_NETWORK_TIMEOUT, &timeout),
            ldap_set_option(self.handle, LDAP_OPT_TIMEOUT, &timeout),
            // Referrals would be followed with an anonymous bind to servers we never configured (LDAP_OPT_OFF).
            ldap_set_option(self.handle, LDAP_OPT_REFERRALS, nil),
            ldap_set_option(self.handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand),
        ]
        if let file = configuration.caCertificateFile {
            statuses.append(ldap_set_option(self.handle, LDAP_OPT_X_TLS_CACERTFILE, file))
        }
        // TLS options set on a session take effect only in a new TLS context for it.
        var isServer: Int32 = 0
        statuses.append(ldap_set_option(self.handle, LDAP_OPT_X_TLS_NEWCTX, &isServer))
        if let status = statuses.first(where: { $0 != LDAP_OPT_SUCCESS }) {
            throw self.failure(status, operation: "initialize", code: .operationFailed)
        }
    }

    private func read(_ entry: OpaquePointer, attributes: [String]) -> LDAPEntry {
        var distinguishedName = ""
        if let dn = ldap_get_dn(self.handle, entry) {
            distinguishedName = String(cString: dn)
            ldap_memfree(dn)
        }
        var values: [String: [String]] = [:]
        for attribute in attributes {
            guard let list = ldap_get_values_len(self.handle, entry, attribute) else { continue }
            defer { ldap_value_free_len(list) }
            var strings: [String] = []
            var index = 0
            while let value = list[index] {
                let buffer = UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len))
                // Directory strings are UTF-8 (RFC 4517 §3.3.6); a value that is not is skipped, not guessed.
                if let text = String(validating: buffer, as: UTF8.self) { strings.append(text) }
                index += 1
            }
            values[attribute.lowercased()] = strings
        }
        return LDAPEntry(distinguishedName: distinguishedName, values: values)
    }

    /// Results that mean "these credentials are not accepted", as opposed to "the directory is not working".
    private static func isRefusal(_ status: Int32) -> Bool {
        // 48 inappropriateAuthentication, 49 invalidCredentials (AD adds the reason: 52e, 533 disabled, 775 locked),
        // 50 insufficientAccessRights, 53 unwillingToPerform (some servers' answer for a locked account).
        status == LDAP_INAPPROPRIATE_AUTH || status == LDAP_INVALID_CREDENTIALS
            || status == LDAP_INSUFFICIENT_ACCESS || status == LDAP_UNWILLING_TO_PERFORM
    }

    private func failure(
        _ status: Int32,
        operation: String,
        code: LDAPDirectoryError.Code?
    )
        -> LDAPDirectoryError
    {
        var diagnostic: String?
        var message: UnsafeMutablePointer<CChar>?
        if ldap_get_option(self.handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message) == LDAP_OPT_SUCCESS, let message {
            diagnostic = String(cString: message)
            ldap_memfree(message)
        }
        if let text = ldap_err2string(status) {
            let reason = String(cString: text)
            diagnostic = diagnostic.map { $0.isEmpty ? reason : "\(reason): \($0)" } ?? reason
        }
        let resolved: LDAPDirectoryError.Code
        if let code {
            resolved = code
        } else {
            switch status {
            case LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR, LDAP_UNAVAILABLE, LDAP_BUSY,
                LDAP_TIMELIMIT_EXCEEDED:
                resolved = .unreachable
            default:
                resolved = .operationFailed
            }
        }
        // A TLS failure shows up as "can't contact the server" on ldaps://; the step tells them apart for logs.
        return LDAPDirectoryError(resolved, operation: operation, resultCode: status, diagnostic: diagnostic)
    }
}

@available(*, unavailable) extension LDAPConnection: Sendable {}
