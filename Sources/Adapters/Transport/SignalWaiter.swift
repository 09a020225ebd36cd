import Dispatch
internal import Glibc
import Synchronization

/// Turns signals into an awaitable event through Dispatch signal sources.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async {
        final class Box: @unchecked Sendable {
            // Guarded by `lock`; the sources must stay alive until a signal comes.
            let lock = Mutex<CheckedContinuation<Void, Never>?>(nil)
            var sources: [any DispatchSourceSignal] = []
        }
        let box = Box()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            box.lock.withLock { $0 = continuation }
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let waiting = box.lock.withLock { c -> CheckedContinuation<Void, Never>? in
                        defer { c = nil }
                        return c
                    }
                    waiting?.resume()
                }
                source.resume()
                box.sources.append(source)
            }
        }
        for source in box.sources { source.cancel() }
    }
}
