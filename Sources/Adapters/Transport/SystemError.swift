/// A failed system call: the `errno` and the call's name.
///
/// `EINTR` is retried where it happens and `EAGAIN` is treated as a value, so this type only carries real failures.
package struct SystemError: Error, CustomStringConvertible {
    /// The C `errno`.
    package var errno: CInt
    /// The system call that failed.
    package var function: StaticString

    /// The failure of `function` with `errno`.
    package init(errno: CInt, function: StaticString) {
        self.errno = errno
        self.function = function
    }

    /// The call, the error in words where known, and the number.
    package var description: String {
        "\(self.function) failed: \(Self.message(for: self.errno)) (errno \(self.errno))"
    }

    private static func message(for code: CInt) -> String {
        // Only the codes a user of this transport is likely to see get words; the number is always printed.
        switch code {
        case 98: return "address already in use"
        case 13: return "permission denied"
        case 99: return "cannot assign requested address"
        case 24: return "too many open files"
        case 111: return "connection refused"
        case 110: return "timed out"
        default: return "error"
        }
    }
}
