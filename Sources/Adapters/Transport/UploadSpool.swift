internal import Dispatch
internal import Glibc
import Synchronization

/// A request body written to a temporary file as it arrives, with every disk call on a queue of its own.
///
/// A disk that stalls (a full volume, a slow network mount) then delays only this upload, never the other sockets of
/// the event loop the connection lives on. Writes run in order; each completion is reported back on the loop, so
/// the connection can stop reading while too much is still waiting for the disk.
final class UploadSpool: Sendable {
    private let queue = DispatchQueue(label: "incident.upload-spool")
    private let state = Mutex<State>(State())

    private struct State {
        var fd: Int32 = -1
        var path: String?
        var failed = false
    }

    /// Appends `bytes` to the file (creating it first); `done` hears, on `loop`, how many bytes and whether it worked.
    func write(_ bytes: [UInt8], loop: EventLoop, done: @escaping @Sendable (Int, Bool) -> Void) {
        self.queue.async {
            let succeeded = self.ensureFile() && self.writeAll(bytes)
            if !succeeded { self.state.withLock { $0.failed = true } }
            loop.execute { done(bytes.count, succeeded) }
        }
    }

    /// Closes the file after the writes queued before; `done` gets its path on `loop`, nil when anything failed.
    func finish(loop: EventLoop, done: @escaping @Sendable (String?) -> Void) {
        self.queue.async {
            let created = self.ensureFile()
            let path = self.state.withLock { state -> String? in
                if state.fd >= 0 { close(state.fd) }
                state.fd = -1
                return created && !state.failed ? state.path : nil
            }
            if path == nil { self.discardNow() }
            loop.execute { done(path) }
        }
    }

    /// Deletes the file (the request failed or the connection went away).
    func discard() {
        self.queue.async { self.discardNow() }
    }

    private func discardNow() {
        let (fd, path) = self.state.withLock { state -> (Int32, String?) in
            defer {
                state.fd = -1
                state.path = nil
            }
            return (state.fd, state.path)
        }
        if fd >= 0 { close(fd) }
        if let path { unlink(path) }
    }

    /// Creates the file on first use: even an empty body gets one, so a spooling handler always has `bodyFile`.
    private func ensureFile() -> Bool {
        self.state.withLock { state -> Bool in
            if state.path != nil { return !state.failed }
            let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            // mkstemp replaces the trailing six X's with a unique suffix.
            var template = Array("\(directory)/incident-upload-\(String(repeating: "X", count: 6))".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { return false }
            state.fd = fd
            state.path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return true
        }
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        let fd = self.state.withLock { $0.fd }
        guard fd >= 0 else { return false }
        return bytes.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}
