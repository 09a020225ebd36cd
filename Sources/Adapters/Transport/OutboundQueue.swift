internal import CLinuxShim
internal import Glibc

/// A connection's unsent output: shared byte storages written with `writev`, resuming after partial writes.
///
/// Loop-confined. An empty queue holds no buffer, so idle connections cost nothing here.
struct OutboundQueue {
    /// What a write attempt ended with.
    enum WriteResult: Equatable {
        /// Everything queued was written.
        case drained
        /// The socket buffer is full: wait for EPOLLOUT.
        case wouldBlock
        /// The peer is gone or the socket failed.
        case failed(Int32)
    }

    private var items: [ByteStorage] = []
    private var head = 0
    private var headOffset = 0
    /// Unsent bytes.
    private(set) var bytes = 0

    var isEmpty: Bool { self.head == self.items.count }
    /// Storages not yet fully written.
    var count: Int { self.items.count - self.head }

    mutating func append(_ storage: ByteStorage) {
        guard storage.count > 0 else { return }
        self.items.append(storage)
        self.bytes += storage.count
    }

    /// Drops every storage not yet started, keeping a half-written one so the stream stays well-formed.
    /// Returns how many storages and bytes were dropped.
    mutating func removeUnstarted() -> (items: Int, bytes: Int) {
        let keep = self.headOffset > 0 ? self.head + 1 : self.head
        guard keep < self.items.count else { return (0, 0) }
        let dropped = self.items[keep...]
        let droppedBytes = dropped.reduce(0) { $0 + $1.count }
        let droppedCount = dropped.count
        self.items.removeSubrange(keep...)
        self.bytes -= droppedBytes
        return (droppedCount, droppedBytes)
    }

    /// Writes as much as the socket accepts. `completed` counts storages fully written.
    mutating func write(
        to fd: Int32,
        iovecs: UnsafeMutablePointer<iovec>
    ) -> (result: WriteResult, completed: Int, written: Int) {
        var completed = 0
        var written = 0
        while !self.isEmpty {
            var n = 0
            var requested = 0
            var i = self.head
            while i < self.items.count && n < EventLoop.maxIOVecs {
                let item = self.items[i]
                let offset = i == self.head ? self.headOffset : 0
                iovecs[n] = iovec(iov_base: item.base + offset, iov_len: item.count - offset)
                requested += item.count - offset
                n += 1
                i += 1
            }
            // sendmsg is writev with flags: MSG_NOSIGNAL turns a write to a reset connection into EPIPE.
            let rc = shim_writev_nosignal(fd, iovecs, Int32(n))
            if rc < 0 {
                let e = Glibc.errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { return (.wouldBlock, completed, written) }
                return (.failed(e), completed, written)
            }
            var left = rc
            written += rc
            self.bytes -= rc
            while left > 0 {
                let remaining = self.items[self.head].count - self.headOffset
                if left >= remaining {
                    left -= remaining
                    self.head += 1
                    self.headOffset = 0
                    completed += 1
                } else {
                    self.headOffset += left
                    left = 0
                }
            }
            if rc < requested {
                // A short write on a non-blocking socket means its buffer is full; the next try would be EAGAIN.
                self.compact()
                return (.wouldBlock, completed, written)
            }
        }
        self.compact()
        return (.drained, completed, written)
    }

    private mutating func compact() {
        if self.head == self.items.count {
            self.items.removeAll(keepingCapacity: self.items.capacity <= 64)
            self.head = 0
        } else if self.head > 1024 {
            self.items.removeFirst(self.head)
            self.head = 0
        }
    }
}
