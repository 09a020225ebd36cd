internal import COpenSSL
import Glibc

/// An OpenSSL client context: TLS 1.2 or later, peer certificates verified against a CA file or the system store.
///
/// Sendable because an `SSL_CTX` is only read once configured; OpenSSL locks its shared parts itself.
final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// - Parameter caFile: a PEM bundle of trusted CAs; nil uses the system's default verify paths.
    init(caFile: String?) throws(HTTPClientError) {
        // SSL_write writes with write(2), which raises SIGPIPE on a closed peer; an error is what we handle.
        signal(SIGPIPE, SIG_IGN)
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw HTTPClientError(.tlsFailure, note: "SSL_CTX_new")
        }
        self.pointer = context
        guard shim_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw HTTPClientError(.tlsFailure, note: "min protocol")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: a retried write may come from another address of the same bytes.
        _ = SSL_CTX_ctrl(context, SSL_CTRL_MODE, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY), nil)
        // SSL_OP_IGNORE_UNEXPECTED_EOF (a function-like macro, bit 7): many servers close without close_notify;
        // the HTTP framing, not TLS, decides whether a body was complete.
        _ = SSL_CTX_set_options(context, UInt64(1) << 7)
        let loaded: Int32
        if let caFile {
            loaded = SSL_CTX_load_verify_locations(context, caFile, nil)
        } else {
            loaded = SSL_CTX_set_default_verify_paths(context)
        }
        guard loaded == 1 else {
            ERR_clear_error()
            throw HTTPClientError(.tlsFailure, note: "cannot load CA certificates")
        }
    }

    deinit { SSL_CTX_free(self.pointer) }
}
