internal import COpenSSL
import Glibc

/// One TLS session over a connected non-blocking socket; confined to the thread that uses its connection.
final class TLSSession {
    private let ssl: OpaquePointer

    init(context: TLSContext, fd: Int32, host: String) throws(HTTPClientError) {
        guard let ssl = SSL_new(context.pointer) else { throw HTTPClientError(.tlsFailure, note: "SSL_new") }
        self.ssl = ssl
        guard SSL_set_fd(ssl, fd) == 1 else { throw HTTPClientError(.tlsFailure, note: "SSL_set_fd") }
        if Self.isIPAddress(host) {
            // Certificates name IP addresses in IP SANs, which the host-name check does not consult.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw HTTPClientError(.tlsFailure, note: "ip")
            }
        } else {
            // SNI (RFC 6066 forbids IP literals there), and the certificate must name this host.
            let sni = host.withCString {
                SSL_ctrl(
                    ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                    UnsafeMutableRawPointer(mutating: $0))
            }
            guard sni == 1, SSL_set1_host(ssl, host) == 1 else { throw HTTPClientError(.tlsFailure, note: "host") }
        }
    }

    deinit { SSL_free(self.ssl) }

    enum Want { case read, write }

    /// One handshake step: nil when done, or what the socket must become ready for.
    func handshake() throws(HTTPClientError) -> Want? {
        ERR_clear_error()
        let result = SSL_connect(self.ssl)
        if result == 1 { return nil }
        return try self.want(result, operation: "handshake")
    }

    /// Reads into the buffer: the count, 0 at the end of the stream, or what to wait for.
    func read(_ buffer: UnsafeMutableRawBufferPointer) throws(HTTPClientError) -> (Int, Want?) {
        ERR_clear_error()
        var count = 0
        let result = SSL_read_ex(self.ssl, buffer.baseAddress, buffer.count, &count)
        if result == 1 { return (count, nil) }
        let error = SSL_get_error(self.ssl, result)
        if error == SSL_ERROR_ZERO_RETURN { return (0, nil) }
        return (0, try self.want(result, operation: "read"))
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(HTTPClientError) -> (Int, Want?) {
        ERR_clear_error()
        var count = 0
        let result = SSL_write_ex(self.ssl, buffer.baseAddress, buffer.count, &count)
        if result == 1 { return (count, nil) }
        return (0, try self.want(result, operation: "write"))
    }

    private func want(_ result: Int32, operation: String) throws(HTTPClientError) -> Want {
        let error = SSL_get_error(self.ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ: return .read
        case SSL_ERROR_WANT_WRITE: return .write
        case SSL_ERROR_SYSCALL:
            let code = Glibc.errno
            ERR_clear_error()
            throw HTTPClientError(.connectionClosed, errno: code, note: "tls \(operation)")
        default:
            let verify = SSL_get_verify_result(self.ssl)
            var note = "tls \(operation)"
            if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
                note += ": " + String(cString: text)
            } else {
                let reason = ERR_get_error()
                if reason != 0, let text = ERR_reason_error_string(reason) { note += ": " + String(cString: text) }
            }
            ERR_clear_error()
            throw HTTPClientError(.tlsFailure, note: note)
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
