import Foundation
import Glibc

/// A temporary file written in chunks and read back in chunks: where an upload waits between the request body
/// and object storage. Created with mode 0600 under the temporary directory; removed by `remove()` or on deinit.
package final class SpoolFile {
    package let path: String
    private var fd: Int32
    package private(set) var size: Int64 = 0

    /// Creates an empty spool file in `directory` (default: the system's temporary directory).
    package init(directory: String? = nil) throws {
        let base = directory ?? FileManager.default.temporaryDirectory.path
        self.path = "\(base)/incident-upload-\(UUID().uuidString.lowercased())"
        self.fd = open(self.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard self.fd >= 0 else { throw SpoolFileError(errno: errno, operation: "open") }
    }

    deinit { self.remove() }

    /// Appends the bytes.
    package func write(_ bytes: some Collection<UInt8>) throws {
        guard self.fd >= 0 else { throw SpoolFileError(errno: EBADF, operation: "write") }
        var failure: SpoolFileError?
        let written: Int? = bytes.withContiguousStorageIfAvailable { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(self.fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = SpoolFileError(errno: errno, operation: "write")
                    return offset
                }
                offset += count
            }
            return offset
        }
        if let failure { throw failure }
        if let written {
            self.size += Int64(written)
        } else {
            try self.write(Array(bytes))
        }
    }

    /// Reads the file from the start in chunks: `next()` returns nil at the end.
    package func chunks(size chunkSize: Int = 64 * 1024) -> SpoolFileChunks {
        SpoolFileChunks(fd: self.fd, chunkSize: chunkSize)
    }

    /// Closes and deletes the file (idempotent).
    package func remove() {
        guard self.fd >= 0 else { return }
        close(self.fd)
        self.fd = -1
        unlink(self.path)
    }
}

/// Reads a spool file from its start, one chunk at a time, with `pread` (the writer's offset is untouched).
package struct SpoolFileChunks {
    let fd: Int32
    let chunkSize: Int
    private var offset: Int64 = 0

    init(fd: Int32, chunkSize: Int) {
        self.fd = fd
        self.chunkSize = chunkSize
    }

    package mutating func next() throws -> [UInt8]? {
        let chunk = try [UInt8](unsafeUninitializedCapacity: self.chunkSize) { buffer, count in
            while true {
                let read = pread(self.fd, buffer.baseAddress, self.chunkSize, off_t(self.offset))
                if read < 0, errno == EINTR { continue }
                guard read >= 0 else { throw SpoolFileError(errno: errno, operation: "read") }
                count = read
                return
            }
        }
        guard !chunk.isEmpty else { return nil }
        self.offset += Int64(chunk.count)
        return chunk
    }
}

/// A spool file operation failed.
package struct SpoolFileError: Error, CustomStringConvertible {
    package var errno: Int32
    package var operation: String
    package var description: String { "SpoolFileError(\(self.operation), errno: \(self.errno))" }
}
