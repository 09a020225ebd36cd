/// An immutable, heap-allocated run of bytes that many connections can queue and `writev` without copying.
///
/// It is written once at creation and only read afterwards, so sharing it across threads is safe; that is the
/// whole point: a broadcast frame is serialized once and the same storage is queued on every recipient.
package final class ByteStorage: @unchecked Sendable {
    /// The first byte; valid for `count` bytes while the storage lives.
    package let base: UnsafeMutableRawPointer
    /// The number of bytes.
    package let count: Int

    /// Allocates `count` bytes and lets `initialize` fill all of them, once, before the storage is shared.
    package init(count: Int, initialize: (UnsafeMutableRawBufferPointer) -> Void) {
        self.count = count
        self.base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        initialize(UnsafeMutableRawBufferPointer(start: self.base, count: count))
    }

    /// Copies `bytes` into new storage.
    package convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { out in
            bytes.withUnsafeBytes { src in
                if let s = src.baseAddress, src.count > 0 { out.baseAddress!.copyMemory(from: s, byteCount: src.count) }
            }
        }
    }

    deinit {
        self.base.deallocate()
    }

    /// The bytes as an array (a copy; for tests and diagnostics).
    package var bytes: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: self.base, count: self.count))
    }
}
